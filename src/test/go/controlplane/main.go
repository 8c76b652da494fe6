// Command controlplane runs a real Kubernetes control plane on loopback for NodeDaemon's tests, demo
// and benchmarks: an embedded etcd, kube-apiserver (RBAC on), kube-scheduler and the controllers of
// kube-controller-manager that a cluster without them would lack (service accounts, garbage
// collection, namespaces, ClusterRole aggregation), all in one process, plus KWOK as the kubelet of every node when a kwok
// binary is given. It writes an admin kubeconfig and a token file for test users, prints one
// "ready" line, and stops cleanly on SIGTERM or SIGINT. Started again with the same --dir and
// --port it comes back as a restarted control plane does: same data, address and credentials.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/server/v3/embed"
	logsapi "k8s.io/component-base/logs/api/v1"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	scheduleroptions "k8s.io/kubernetes/cmd/kube-scheduler/app/options"
)

func main() {
	dir := flag.String("dir", "", "working directory for etcd data, certificates and kubeconfigs (required)")
	port := flag.Int("port", 0, "kube-apiserver secure port on 127.0.0.1 (0: a free port)")
	kwok := flag.String("kwok", "", "path of a kwok binary to run as the kubelet of every node (empty: none)")
	kwokConfig := flag.String("kwok-config", "", "kwok configuration file with its Stages (empty: kwok's defaults)")
	auditLog := flag.String("audit-log", "", "file for kube-apiserver's audit log of every write (empty: none)")
	verbose := flag.Bool("v", false, "let the components log at level 2 (default 0)")
	flag.Parse()
	if *dir == "" {
		fail(fmt.Errorf("--dir is required"))
	}
	if err := run(*dir, *port, *kwok, *kwokConfig, *auditLog, *verbose); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "controlplane:", err)
	os.Exit(1)
}

func run(dir string, port int, kwok, kwokConfig, auditLog string, verbose bool) error {
	// Each component applies the process-wide logging configuration; the same one is fine.
	logsapi.ReapplyHandling = logsapi.ReapplyHandlingIgnoreUnchanged
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	started := time.Now()

	etcdURL, etcd, err := startEtcd(dir)
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer etcd.Close()

	if port == 0 {
		if port, err = freePort(); err != nil {
			return err
		}
	}
	files, err := writeCredentials(dir, port)
	if err != nil {
		return err
	}

	logLevel := "--v=0"
	if verbose {
		logLevel = "--v=2"
	}
	apiserverArgs := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		// The kubernetes Service's endpoints would name the loopback address, which it refuses; no
		// pod here talks to the API server through that Service.
		"--endpoint-reconciler-type=none",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + filepath.Join(dir, "pki"),
		"--token-auth-file=" + files.tokens,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + files.saKey,
		"--service-account-signing-key-file=" + files.saKey,
		"--api-audiences=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--allow-privileged=true",
		"--enable-admission-plugins=NodeRestriction",
		"--profiling=false",
		"--event-ttl=1h",
		logLevel,
	}
	if auditLog != "" {
		policy := filepath.Join(dir, "audit-policy.yaml")
		if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
			return err
		}
		// The log backend writes each event before the response goes out (blocking mode), so a test
		// that reads the log after a call has returned sees the call.
		apiserverArgs = append(apiserverArgs, "--audit-policy-file="+policy, "--audit-log-path="+auditLog,
			"--audit-log-format=json", "--audit-log-mode=blocking", "--audit-log-maxbackup=1")
	}
	errs := make(chan error, 4)
	go runCommand(ctx, errs, "kube-apiserver", apiserver.NewAPIServerCommand(), apiserverArgs)
	if err := waitReady(ctx, errs, port, files.adminToken); err != nil {
		return fmt.Errorf("kube-apiserver: %w", err)
	}

	go runScheduler(ctx, errs, []string{
		"--kubeconfig=" + files.kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		logLevel,
	})
	go runCommand(ctx, errs, "kube-controller-manager", controllermanager.NewControllerManagerCommand(), []string{
		"--kubeconfig=" + files.kubeconfig,
		"--authentication-kubeconfig=" + files.kubeconfig,
		"--authorization-kubeconfig=" + files.kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		// clusterrole-aggregation: the built-in view/edit/admin roles take in the rules of every
		// ClusterRole labelled aggregate-to-*, such as nodedaemon-view and nodedaemon-edit.
		"--controllers=serviceaccount-controller,garbage-collector-controller,namespace-controller," +
			"pod-garbage-collector-controller,clusterrole-aggregation-controller",
		"--use-service-account-credentials=false",
		// Releasing the lock on exit installs a second process-wide signal handler, which panics.
		"--feature-gates=ControllerManagerReleaseLeaderElectionLockOnExit=false",
		logLevel,
	})
	if kwok != "" {
		args := []string{
			"--kubeconfig=" + files.kubeconfig,
			"--manage-all-nodes=true",
			"--server-address=127.0.0.1:0",
		}
		if kwokConfig != "" {
			args = append(args, "--config="+kwokConfig)
		}
		cmd := exec.CommandContext(ctx, kwok, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		log, err := os.Create(filepath.Join(dir, "kwok.log"))
		if err != nil {
			return err
		}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("kwok: %w", err)
		}
		go func() { errs <- fmt.Errorf("kwok exited: %v", cmd.Wait()) }()
	}

	fmt.Printf("controlplane ready in %s: kubeconfig=%s server=https://127.0.0.1:%d\n",
		time.Since(started).Round(time.Millisecond), files.kubeconfig, port)
	if err := os.WriteFile(filepath.Join(dir, "ready"), []byte(files.kubeconfig+"\n"), 0o600); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		fmt.Println("controlplane stopping")
		return nil
	case err := <-errs:
		return err
	}
}

// runCommand runs one Kubernetes component's cobra command in this process, as k3s does.
func runCommand(ctx context.Context, errs chan<- error, name string, cmd interface {
	SetArgs([]string)
	ExecuteContext(context.Context) error
}, args []string) {
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(ctx); err != nil {
		errs <- fmt.Errorf("%s: %w", name, err)
		return
	}
	if ctx.Err() == nil {
		errs <- fmt.Errorf("%s stopped", name)
	}
}

// auditPolicy records every request of the operator's ServiceAccount (what its RBAC must allow) and
// every write of anyone, at Metadata level (who, verb, URI, response code), and nothing else.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  users: ["system:serviceaccount:nodedaemon-system:nodedaemon-operator"]
- level: Metadata
  verbs: ["create", "update", "patch", "delete", "deletecollection"]
- level: None
`

// runScheduler runs kube-scheduler as its command does, minus the process-wide signal handler
// that the command installs and kube-apiserver has installed already (a second one panics).
func runScheduler(ctx context.Context, errs chan<- error, args []string) {
	opts := scheduleroptions.NewOptions()
	fs := pflag.NewFlagSet("kube-scheduler", pflag.ContinueOnError)
	for _, f := range opts.Flags.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		errs <- fmt.Errorf("kube-scheduler: %w", err)
		return
	}
	if err := opts.ComponentGlobalsRegistry.Set(); err != nil {
		errs <- fmt.Errorf("kube-scheduler: %w", err)
		return
	}
	cc, sched, err := scheduler.Setup(ctx, opts)
	if err != nil {
		errs <- fmt.Errorf("kube-scheduler: %w", err)
		return
	}
	if err := scheduler.Run(ctx, cc, sched); err != nil && ctx.Err() == nil {
		errs <- fmt.Errorf("kube-scheduler: %w", err)
	}
}

// startEtcd starts etcd on the data and ports of an earlier run in dir, if there was one (a member
// keeps its peer URL in its data), else on free ports that it writes down for a restart.
func startEtcd(dir string) (string, *embed.Etcd, error) {
	portsFile := filepath.Join(dir, "etcd-ports")
	var clientPort, peerPort int
	if b, err := os.ReadFile(portsFile); err == nil {
		if _, err := fmt.Sscanf(string(b), "%d %d", &clientPort, &peerPort); err != nil {
			return "", nil, fmt.Errorf("%s: %w", portsFile, err)
		}
	} else {
		if clientPort, err = freePort(); err != nil {
			return "", nil, err
		}
		if peerPort, err = freePort(); err != nil {
			return "", nil, err
		}
		if err := os.WriteFile(portsFile, []byte(fmt.Sprintf("%d %d\n", clientPort, peerPort)), 0o600); err != nil {
			return "", nil, err
		}
	}
	clientURL, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(clientPort))
	peerURL, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(peerPort))
	cfg := embed.NewConfig()
	cfg.Name = "controlplane"
	cfg.Dir = filepath.Join(dir, "etcd")
	cfg.ListenClientUrls = []url.URL{*clientURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.ListenPeerUrls = []url.URL{*peerURL}
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	cfg.InitialCluster = cfg.Name + "=" + peerURL.String()
	cfg.LogLevel = "error"
	// A test cluster that is thrown away after the run: durability costs time and buys nothing.
	cfg.UnsafeNoFsync = true
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return "", nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return clientURL.String(), e, nil
	case <-time.After(60 * time.Second):
		e.Close()
		return "", nil, fmt.Errorf("not ready after 60 s")
	}
}

type credentialFiles struct {
	kubeconfig, tokens, saKey, adminToken string
}

// writeCredentials writes the service-account signing key, a static token file with the admin and
// the test users (alice, bob: no rights until a test binds a role to them), and the admin
// kubeconfig. The serving certificate is the self-signed one kube-apiserver makes in --cert-dir.
// A restart in the same dir keeps the key and tokens of the first run, so that every client's
// credentials, service-account tokens included, stay valid.
func writeCredentials(dir string, port int) (credentialFiles, error) {
	f := credentialFiles{
		kubeconfig: filepath.Join(dir, "admin.kubeconfig"),
		tokens:     filepath.Join(dir, "tokens.csv"),
		saKey:      filepath.Join(dir, "sa.key"),
		adminToken: randomToken(),
	}
	if b, err := os.ReadFile(f.tokens); err == nil {
		if _, err := os.Stat(f.saKey); err != nil {
			return f, err
		}
		f.adminToken = strings.SplitN(string(b), ",", 2)[0]
		return f, writeKubeconfig(f, port)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return f, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(f.saKey, keyPEM, 0o600); err != nil {
		return f, err
	}
	tokens := []string{
		f.adminToken + `,admin,admin,"system:masters"`,
		randomToken() + `,alice,alice,"system:authenticated"`,
		randomToken() + `,bob,bob,"system:authenticated"`,
	}
	if err := os.WriteFile(f.tokens, []byte(strings.Join(tokens, "\n")+"\n"), 0o600); err != nil {
		return f, err
	}
	return f, writeKubeconfig(f, port)
}

func writeKubeconfig(f credentialFiles, port int) error {
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: controlplane
  cluster:
    server: https://127.0.0.1:%d
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: %s
contexts:
- name: controlplane
  context:
    cluster: controlplane
    user: admin
    namespace: default
current-context: controlplane
`, port, f.adminToken)
	return os.WriteFile(f.kubeconfig, []byte(kubeconfig), 0o600)
}

func waitReady(ctx context.Context, errs <-chan error, port int, token string) error {
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-errs:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("https://127.0.0.1:%d/readyz", port), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("not ready after 120 s")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
