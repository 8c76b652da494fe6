// Command bundlevalidate loads an OLM registry+v1 bundle directory and runs operator-framework's
// validators on it: the default bundle suite plus the optional ones that
// `operator-sdk bundle validate --select-optional suite=operatorframework` selects (OperatorHub,
// standard capabilities and categories, good practices, deprecated APIs). It prints one line per
// finding ("ERROR ..." or "WARNING ...") and a summary, and exits 1 if any finding is an error, or
// any is a warning when --fail-on-warnings is set.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/operator-framework/api/pkg/validation"
	"k8s.io/apimachinery/pkg/runtime"
)

func main() {
	failOnWarnings := flag.Bool("fail-on-warnings", false, "exit 1 on warnings as well as errors")
	k8sVersion := flag.String("k8s-version", "1.37", "Kubernetes version to check removed APIs against")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bundlevalidate [--fail-on-warnings] BUNDLE_DIR")
		os.Exit(2)
	}
	bundle, err := manifests.GetBundleFromDir(flag.Arg(0))
	if err != nil {
		fmt.Println("ERROR could not load the bundle:", err)
		os.Exit(1)
	}
	// The loader only logs a CSV it cannot decode (a number where a string belongs) and goes on
	// without it, so the validators would see nothing: that is the first error to report.
	if bundle.CSV == nil {
		fmt.Println("ERROR the bundle has no ClusterServiceVersion that decodes as operators.coreos.com/v1alpha1")
		os.Exit(1)
	}
	errorsFound, warnings := 0, 0
	// A typed decode that fails is only printed by the validators, which then go on with an empty
	// object; OLM and operator-sdk refuse such a bundle, so it is an error here.
	for _, obj := range bundle.Objects {
		if obj.GetKind() != "ClusterServiceVersion" {
			continue
		}
		csv := &v1alpha1.ClusterServiceVersion{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, csv); err != nil {
			errorsFound++
			fmt.Printf("ERROR %s: the CSV does not decode as operators.coreos.com/v1alpha1: %v\n", obj.GetName(), err)
		}
	}
	objs := append(bundle.ObjectsToValidate(), map[string]string{"k8s-version": *k8sVersion})
	validators := validation.DefaultBundleValidators.WithValidators(
		validation.OperatorHubV2Validator,
		validation.StandardCapabilitiesValidator,
		validation.StandardCategoriesValidator,
		validation.GoodPracticesValidator,
		validation.AlphaDeprecatedAPIsValidator,
	)
	for _, result := range validators.Validate(objs...) {
		for _, e := range result.Errors {
			errorsFound++
			fmt.Printf("ERROR %s: %s\n", result.Name, e.Error())
		}
		for _, w := range result.Warnings {
			warnings++
			fmt.Printf("WARNING %s: %s\n", result.Name, w.Error())
		}
	}
	fmt.Printf("bundle %s: %d errors, %d warnings\n", flag.Arg(0), errorsFound, warnings)
	if errorsFound > 0 || (*failOnWarnings && warnings > 0) {
		os.Exit(1)
	}
}
