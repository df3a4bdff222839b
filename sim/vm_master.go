package sim

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Paths on a kubo master (shared/reference/pks.md §2.1).
const (
	apiserverConfigDir    = "/var/vcap/jobs/kube-apiserver/config"
	apiserverBPMPath      = apiserverConfigDir + "/bpm.yml"
	apiserverPolicyPath   = apiserverConfigDir + "/audit_policy.yml"
	apiserverHealthScript = "/var/vcap/jobs/kube-apiserver/bin/ensure_apiserver_healthy"
	apiserverPidPath      = "/var/vcap/sys/run/bpm/kube-apiserver/kube-apiserver.pid"
	apiserverBinary       = "/var/vcap/packages/kubernetes/bin/kube-apiserver"
	apiserverLogDir       = "/var/vcap/sys/log/kube-apiserver"
)

// renderBPM renders the kube-apiserver bpm.yml as the kubo job template
// does: quoted k8s-args in manifest order, then the appended plain flags.
func renderBPM(masters int, auditOn bool, auditLogPath string) string {
	var b strings.Builder
	b.WriteString("processes:\n- name: kube-apiserver\n  executable: " + apiserverBinary + "\n  limits:\n    open_files: 65535\n  args:\n")
	var args []string
	if auditOn {
		args = append(args, "--audit-log-maxage=0", "--audit-log-maxbackup=7", "--audit-log-maxsize=49",
			"--audit-log-path="+auditLogPath, "--audit-policy-file="+apiserverPolicyPath)
	}
	args = append(args,
		"--authorization-mode=RBAC",
		"--client-ca-file="+apiserverConfigDir+"/kubernetes-ca.pem",
		"--enable-admission-plugins=PodSecurityPolicy,NodeRestriction",
		"--etcd-cafile="+apiserverConfigDir+"/etcd-ca.crt",
		"--etcd-certfile="+apiserverConfigDir+"/etcd-client.crt",
		"--etcd-keyfile="+apiserverConfigDir+"/etcd-client.key",
		"--secure-port=8443",
		"--service-account-key-file="+apiserverConfigDir+"/service-account-public-key.pem",
		"--service-cluster-ip-range=10.100.200.0/24",
		"--tls-cert-file="+apiserverConfigDir+"/kubernetes.pem",
		"--tls-private-key-file="+apiserverConfigDir+"/kubernetes-key.pem",
		"--token-auth-file="+apiserverConfigDir+"/tokens.csv",
		"--v=2",
	)
	for _, a := range args {
		fmt.Fprintf(&b, "  - %q\n", a)
	}
	fmt.Fprintf(&b, "  - --apiserver-count=%d\n", masters)
	var etcd []string
	for i := range masters {
		etcd = append(etcd, fmt.Sprintf("https://master-%d.etcd.cfcr.internal:2379", i))
	}
	b.WriteString("  - --etcd-servers=" + strings.Join(etcd, ",") + "\n")
	b.WriteString("  - --tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n")
	b.WriteString("  hooks:\n    pre_start: /var/vcap/jobs/kube-apiserver/bin/generate-config-files\n")
	return b.String()
}

// renderedPolicy is the job's audit_policy.yml (Ruby to_yaml of the
// audit-policy property, so it starts with ---).
const renderedPolicy = `---
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  users:
  - system:kube-proxy
  verbs:
  - watch
  resources:
  - group: ''
    resources:
    - endpoints
    - services
    - services/status
- level: None
  nonResourceURLs:
  - "/healthz*"
  - "/version"
  - "/swagger*"
- level: None
  resources:
  - group: ''
    resources:
    - events
- level: Metadata
  omitStages:
  - RequestReceived
  resources:
  - group: ''
    resources:
    - secrets
    - configmaps
  - group: authentication.k8s.io
    resources:
    - tokenreviews
- level: Request
  omitStages:
  - RequestReceived
  verbs:
  - get
  - list
  - watch
- level: RequestResponse
  omitStages:
  - RequestReceived
- level: Metadata
  omitStages:
  - RequestReceived
`

// apiserver is a master's emulated kube-apiserver under monit.
type apiserver struct {
	mu       sync.Mutex
	pid      int
	args     []string  // as started
	rendered []string  // the args of the rendered bpm.yml
	readyAt  time.Time // end of the current start
	failure  string    // why the current start fails, "" when it succeeds
	stuck    bool      // the current start never completes
}

// layOutMaster writes a master's kube-apiserver files.
func (h *sshVM) layOutMaster(masters int, auditOn bool, auditLogPath string) {
	bpm := renderBPM(masters, auditOn, auditLogPath)
	h.fs.put(apiserverBPMPath, []byte(bpm), 0o644)
	h.fs.put(apiserverPolicyPath, []byte(renderedPolicy), 0o644)
	for _, name := range []string{"kubernetes.pem", "kubernetes-ca.pem", "etcd-ca.crt", "etcd-client.crt", "service-account-public-key.pem", "kubelet-client-cert.pem"} {
		h.fs.put(apiserverConfigDir+"/"+name, []byte("-----BEGIN CERTIFICATE-----\nc2ltdWxhdGVkIGNlcnRpZmljYXRl\n-----END CERTIFICATE-----\n"), 0o644)
	}
	for _, name := range []string{"kubernetes-key.pem", "etcd-client.key", "kubelet-client-key.pem"} {
		h.fs.put(apiserverConfigDir+"/"+name, []byte("-----BEGIN RSA PRIVATE KEY-----\nc2ltdWxhdGVkIGtleQ==\n-----END RSA PRIVATE KEY-----\n"), 0o600)
	}
	h.fs.put(apiserverConfigDir+"/tokens.csv", []byte("\"simulated-admin-token\",\"admin\",\"admin\",\"system:masters\"\n"), 0o600)
	h.fs.put(apiserverHealthScript, []byte("#!/bin/bash\n# polls https://master.cfcr.internal:8443/healthz\n"), 0o755)
	h.fs.put("/var/vcap/jobs/kube-apiserver/bin/post-start", []byte("#!/bin/bash\n"), 0o755)
	h.fs.put(apiserverLogDir+"/kube-apiserver.stdout.log", nil, 0o644)
	h.fs.put(apiserverLogDir+"/kube-apiserver.stderr.log", nil, 0o644)
	h.fs.mkdir(apiserverLogDir+"/audit/log", true)
	args, _ := bpmArgs([]byte(bpm))
	if h.api == nil {
		h.api = &apiserver{rendered: args}
		h.api.start(h, args, "", false, time.Time{})
		return
	}
	h.restartAPIServer(h.f) // a deploy re-renders the job and restarts it
}

// bpmArgs reads processes[0].args of a bpm.yml.
func bpmArgs(b []byte) ([]string, error) {
	var doc struct {
		Processes []struct {
			Name string   `yaml:"name"`
			Args []string `yaml:"args"`
		} `yaml:"processes"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("bpm.yml does not parse: %v", err)
	}
	if len(doc.Processes) == 0 {
		return nil, fmt.Errorf("bpm.yml names no process")
	}
	return doc.Processes[0].Args, nil
}

// start records a (re)start: a new pid, the process's command line, and
// when and how it ends.
func (a *apiserver) start(h *sshVM, args []string, failure string, stuck bool, readyAt time.Time) {
	a.mu.Lock()
	a.pid++
	if a.pid < 4000 {
		a.pid = 4000 + h.inst.Index*100
	}
	a.args, a.failure, a.stuck, a.readyAt = args, failure, stuck, readyAt
	pid := a.pid
	a.mu.Unlock()
	h.fs.put(apiserverPidPath, []byte(fmt.Sprintf("%d\n", pid)), 0o644)
	cmdline := strings.Join(append([]string{apiserverBinary}, args...), "\x00") + "\x00"
	h.fs.put(fmt.Sprintf("/proc/%d/cmdline", pid), []byte(cmdline), 0o444)
}

// state is what monit says of the process now.
func (a *apiserver) state(now time.Time) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case now.Before(a.readyAt) || a.stuck && a.failure == "":
		return "initializing"
	case a.failure != "" || a.stuck:
		return "Execution failed"
	}
	return "running"
}

// restart re-reads bpm.yml and starts the process with its args, as
// `monit restart kube-apiserver` does through BPM.
func (h *sshVM) restartAPIServer(f *Foundation) {
	args, failure := h.apiserverArgs()
	f.mu.Lock()
	faults := f.faults
	startTime := f.opts.APIServerStart
	f.mu.Unlock()
	stuck := faults.StuckAPIServer != "" && (faults.StuckAPIServer == h.inst.ID || faults.StuckAPIServer == h.inst.name()) &&
		!slices.Equal(args, h.api.rendered)
	if stuck && failure == "" {
		failure = "timed out waiting for etcd after flag change"
	}
	h.api.start(h, args, failure, stuck, time.Now().Add(startTime))
	line := "I] kube-apiserver started\n"
	if failure != "" {
		line = "E] " + failure + "\n"
	}
	h.fs.write(apiserverLogDir+"/kube-apiserver.stderr.log", []byte(time.Now().UTC().Format(time.RFC3339)+" "+line), true)
}

// apiserverArgs reads the args from bpm.yml and checks them as the
// apiserver and BPM would.
func (h *sshVM) apiserverArgs() ([]string, string) {
	b, err := h.fs.read(apiserverBPMPath)
	if err != nil {
		return nil, "bpm.yml: " + err.Error()
	}
	args, err := bpmArgs(b)
	if err != nil {
		return nil, err.Error()
	}
	return args, h.checkFlags(args)
}

// knownAuditFlags are the audit flags this apiserver accepts.
var knownAuditFlags = []string{
	"audit-log-path", "audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize", "audit-log-format",
	"audit-log-mode", "audit-log-compress", "audit-policy-file", "audit-webhook-config-file", "audit-webhook-mode",
	"audit-webhook-initial-backoff", "audit-webhook-batch-max-size", "audit-webhook-batch-max-wait",
}

// checkFlags returns why the apiserver would not start with args, or "".
func (h *sshVM) checkFlags(args []string) string {
	known := map[string]bool{}
	for _, a := range h.api.rendered {
		k, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		known[k] = true
	}
	for _, k := range knownAuditFlags {
		known[k] = true
	}
	for _, a := range args {
		k, v, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || !known[k] {
			return "Error: unknown flag: " + a
		}
		switch k {
		case "audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize":
			var n int
			if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != v {
				return fmt.Sprintf("invalid argument %q for \"--%s\" flag", v, k)
			}
		case "audit-log-path":
			if v != "-" && !strings.HasPrefix(cleanPath(v), apiserverLogDir+"/") {
				return "bpm: " + v + ": read-only file system (outside the job's log directory)"
			}
		case "audit-policy-file", "audit-webhook-config-file":
			b, err := h.fs.read(v)
			if err != nil {
				return fmt.Sprintf("failed to read file path %q: %v", v, err)
			}
			if k == "audit-policy-file" {
				if msg := checkPolicy(b); msg != "" {
					return fmt.Sprintf("loading audit policy file %q: %s", v, msg)
				}
			}
		}
	}
	return ""
}

// checkPolicy validates an audit policy as the apiserver does.
func checkPolicy(b []byte) string {
	var p struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Rules      []struct {
			Level string `yaml:"level"`
		} `yaml:"rules"`
	}
	if err := yaml.Unmarshal(b, &p); err != nil {
		return "failed decoding: " + err.Error()
	}
	if p.Kind != "Policy" || p.APIVersion != "audit.k8s.io/v1" {
		return fmt.Sprintf("unknown group version %q kind %q", p.APIVersion, p.Kind)
	}
	if len(p.Rules) == 0 {
		return "loaded illegal policy with 0 rules"
	}
	for _, r := range p.Rules {
		switch r.Level {
		case "None", "Metadata", "Request", "RequestResponse":
		default:
			return fmt.Sprintf("rules.level: Unsupported value: %q", r.Level)
		}
	}
	return ""
}

// monit answers `monit summary` and `monit restart|start|stop NAME`.
func (sh *shell) monit(args []string, stdout, stderr io.Writer) int {
	if !sh.root {
		fmt.Fprintln(stderr, "monit: cannot read control file '/var/vcap/bosh/etc/monitrc' -- Permission denied")
		return 1
	}
	h := sh.h
	if len(args) == 1 && args[0] == "summary" {
		now := h.f.instanceNow(h.inst)
		if now.vm == nil { // its record lost the VM while a session was open
			now.vm = h.inst.VM
		}
		fmt.Fprintf(stdout, "The Monit daemon 5.2.5 uptime: %s\n\n", monitUptime(time.Since(now.vm.CreatedAt)))
		for _, p := range h.inst.Procs {
			state := "running"
			if now.procs == healthStopped {
				state = "not monitored"
			} else if p.Name == "kube-apiserver" && h.api != nil {
				state = h.api.state(time.Now())
			} else if h.inst.Failing == p.Name {
				state = "Execution failed"
			}
			fmt.Fprintf(stdout, "%-45s %s\n", "Process '"+p.Name+"'", state)
		}
		fmt.Fprintf(stdout, "%-45s %s\n", "System 'system_"+now.vm.AgentID+"'", "running")
		return 0
	}
	if len(args) == 2 && (args[0] == "restart" || args[0] == "start") {
		if args[1] == "kube-apiserver" && h.api != nil {
			h.restartAPIServer(h.f)
			return 0
		}
		for _, p := range h.inst.Procs {
			if p.Name == args[1] {
				return 0
			}
		}
		fmt.Fprintf(stderr, "monit: there is no service by that name\n")
		return 1
	}
	fmt.Fprintln(stderr, "monit: usage: monit summary | monit restart NAME")
	return 1
}

func monitUptime(d time.Duration) string {
	days := int(d.Hours()) / 24
	return fmt.Sprintf("%dd %dh %dm", days, int(d.Hours())%24, int(d.Minutes())%60)
}

// health is ensure_apiserver_healthy: /healthz through the master alias.
func (sh *shell) health(stdout, stderr io.Writer) int {
	if sh.h.api == nil {
		fmt.Fprintln(stderr, "sh: 1: "+apiserverHealthScript+": not found")
		return 127
	}
	if st := sh.h.api.state(time.Now()); st != "running" {
		fmt.Fprintf(stderr, "kube-apiserver is not healthy: monit says %s\n", st)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}
