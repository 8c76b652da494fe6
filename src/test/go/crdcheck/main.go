// Command crdcheck runs NodeDaemon's CRD and objects through kube-apiserver's own validation code,
// without a server: the CRD as on create (structural schema, CEL compilation and the CEL cost
// estimate that refuses rules over unbounded maps, lists and strings), then, given a second file,
// each document of it as on create, or on update of the earlier document of the same name when
// annotated test.nodedaemon.io/operation: update (defaulting, pruning, OpenAPI schema, CEL with its
// runtime budget). A document annotated test.nodedaemon.io/expect-message must be refused with that
// text in the message; any other must be accepted.
//
//	cd src/test/go/crdcheck
//	go run . ../../../../k8s/generated/nodedaemons.nodedaemon.io-crd.yaml ../../resources/invalid-nodedaemons.yaml
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var v1 apiextv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &v1); err != nil {
		panic(err)
	}
	scheme := runtime.NewScheme()
	_ = apiextv1.AddToScheme(scheme)
	_ = apiextensions.AddToScheme(scheme)
	scheme.Default(&v1)
	var internal apiextensions.CustomResourceDefinition
	if err := scheme.Convert(&v1, &internal, nil); err != nil {
		panic(err)
	}
	errs := validation.ValidateCustomResourceDefinition(context.Background(), &internal)
	for _, e := range errs {
		fmt.Println(e.Error())
	}
	fmt.Printf("CRD: %d errors\n", len(errs))
	if len(errs) > 0 {
		os.Exit(1)
	}
	if len(os.Args) < 3 {
		return
	}
	props := internal.Spec.Validation
	if props == nil {
		props = internal.Spec.Versions[0].Schema
	}
	s, err := structuralschema.NewStructural(props.OpenAPIV3Schema)
	if err != nil {
		panic(err)
	}
	schemaValidator, _, err := apiservervalidation.NewSchemaValidator(props.OpenAPIV3Schema)
	if err != nil {
		panic(err)
	}
	celValidator := cel.NewValidator(s, true, celconfig.PerCallLimit)

	f, err := os.Open(os.Args[2])
	if err != nil {
		panic(err)
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	stored := map[string]map[string]interface{}{}
	failures := 0
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			panic(err)
		}
		var obj map[string]interface{}
		if err := utiljson.Unmarshal(j, &obj); err != nil {
			panic(err)
		}
		if obj == nil {
			continue
		}
		meta := obj["metadata"].(map[string]interface{})
		name := meta["name"].(string)
		annotations, _ := meta["annotations"].(map[string]interface{})
		expect, _ := annotations["test.nodedaemon.io/expect-message"].(string)
		op, _ := annotations["test.nodedaemon.io/operation"].(string)
		defaulting.Default(obj, s)
		pruning.Prune(obj, s, true)
		var old map[string]interface{}
		var verrs field.ErrorList
		if op == "update" {
			old = stored[name]
			if old == nil {
				panic("update of unknown " + name)
			}
			verrs = apiservervalidation.ValidateCustomResourceUpdate(nil, obj, old, schemaValidator)
		} else {
			verrs = apiservervalidation.ValidateCustomResource(nil, obj, schemaValidator)
		}
		var oldArg interface{}
		if old != nil {
			oldArg = old
		}
		celErrs, remaining := celValidator.Validate(context.Background(), nil, s, obj, oldArg, celconfig.RuntimeCELCostBudget)
		verrs = append(verrs, celErrs...)
		var msgs []string
		for _, e := range verrs {
			msgs = append(msgs, e.Error())
		}
		all := strings.Join(msgs, "\n    ")
		ok := false
		if expect == "" {
			ok = len(verrs) == 0
			if ok {
				stored[name] = obj
			}
		} else {
			ok = len(verrs) > 0 && strings.Contains(all, expect)
		}
		status := "PASS"
		if !ok {
			status = "FAIL"
			failures++
		}
		fmt.Printf("%s %s (%s) expect=%q cost=%d\n    %s\n", status, name, op, expect, celconfig.RuntimeCELCostBudget-remaining, all)
	}
	fmt.Printf("objects: %d failures\n", failures)
	if failures > 0 {
		os.Exit(1)
	}
}
