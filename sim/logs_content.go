package sim

import (
	"time"
)

// logFile is one file of an agent's logs bundle, relative to the log
// directory it was packed from (/var/vcap/sys/log for job logs,
// /var/vcap/bosh/log for agent logs, /var/log for system logs).
type logFile struct {
	path  string           // e.g. "kubelet/kubelet.stderr.log"
	lines int              // lines written at the normal size
	line  func(l *logLine) // renders one line into l.buf
	main  bool             // grows with Options.LogSize
}

// logLine is the state a line renderer writes with.
type logLine struct {
	buf []byte
	r   *rng
	in  *instance
	at  time.Time
	n   int // line number in the file
}

func (l *logLine) add(parts ...string) {
	for _, p := range parts {
		l.buf = append(l.buf, p...)
	}
}

func (l *logLine) pick(list []string) string { return list[l.r.intn(len(list))] }

func (l *logLine) ip() string {
	if l.in != nil && l.in.VM != nil && len(l.in.VM.IPs) > 0 {
		return l.in.VM.IPs[0]
	}
	return "10.0.1.10"
}

// Time formats the components write.
func klogTime(t time.Time) string { return t.UTC().Format("0102 15:04:05.000000") }
func rfc3339(t time.Time) string  { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
func uaaTime(t time.Time) string  { return t.UTC().Format("2006-01-02 15:04:05.000") }

// jobLogFiles lists the files a job writes under /var/vcap/sys/log/<job>/.
func jobLogFiles(j job, in *instance) []logFile {
	switch j.Name {
	case "pks-api":
		return []logFile{{path: "pks-api/pks-api.log", lines: 900, main: true, line: pksAPILine}}
	case "uaa":
		return []logFile{
			{path: "uaa/uaa.log", lines: 700, line: uaaLine},
			{path: "uaa/localhost_access.log", lines: 400, line: accessLine},
		}
	case "broker":
		return []logFile{
			{path: "broker/broker.stdout.log", lines: 500, line: brokerLine},
			{path: "broker/broker.stderr.log", lines: 20, line: brokerErrLine},
		}
	case "bpm":
		return []logFile{{path: "bpm/bpm.log", lines: 60, line: bpmLine}}
	case "telemetry-server":
		return []logFile{{path: "telemetry-server/telemetry-server.stderr.log", lines: 80, line: telemetryLine}}
	case "kube-apiserver":
		return []logFile{
			{path: "kube-apiserver/kube-apiserver.stdout.log", lines: 300, line: apiserverOutLine},
			{path: "kube-apiserver/kube-apiserver.stderr.log", lines: 800, main: true, line: apiserverErrLine},
			{path: "kube-apiserver/audit.log", lines: 600, line: auditLine},
		}
	case "etcd":
		return []logFile{
			{path: "etcd/etcd.stdout.log", lines: 300, line: etcdLine},
			{path: "etcd/etcd.stderr.log", lines: 40, line: etcdErrLine},
		}
	case "kube-controller-manager":
		return []logFile{{path: "kube-controller-manager/kube-controller-manager.stderr.log", lines: 500, line: controllerLine}}
	case "kube-scheduler":
		return []logFile{{path: "kube-scheduler/kube-scheduler.stderr.log", lines: 300, line: schedulerLine}}
	case "kubelet":
		return []logFile{
			{path: "kubelet/kubelet.stdout.log", lines: 200, line: kubeletOutLine},
			{path: "kubelet/kubelet.stderr.log", lines: 900, main: true, line: kubeletLine},
		}
	case "containerd":
		return []logFile{
			{path: "containerd/containerd.stdout.log", lines: 100, line: containerdOutLine},
			{path: "containerd/containerd.stderr.log", lines: 600, line: containerdLine},
		}
	case "bosh-dns":
		return []logFile{{path: "bosh-dns/bosh_dns.stdout.log", lines: 150, line: dnsLine}}
	}
	if len(j.Processes) == 0 {
		return nil
	}
	return []logFile{
		{path: j.Name + "/" + j.Name + ".stdout.log", lines: 300, main: true, line: genericLine(j.Name)},
		{path: j.Name + "/" + j.Name + ".stderr.log", lines: 15, line: genericErrLine(j.Name)},
	}
}

// agentLogFiles are the agent's own logs (/var/vcap/bosh/log).
func agentLogFiles() []logFile {
	return []logFile{{path: "current", lines: 800, main: true, line: agentLine}}
}

// systemLogFiles are the VM's system logs (/var/log).
func systemLogFiles() []logFile {
	return []logFile{
		{path: "syslog", lines: 600, main: true, line: syslogLine},
		{path: "auth.log", lines: 120, line: authLine},
		{path: "kern.log", lines: 80, line: kernLine},
	}
}

var (
	httpPaths   = []string{"/v1/clusters", "/v1/clusters/cluster-1", "/v1/plans", "/v1/usages", "/v1/quotas", "/actuator/health"}
	httpMethods = []string{"GET", "GET", "GET", "POST", "PATCH", "DELETE"}
	httpCodes   = []string{"200", "200", "200", "200", "201", "202", "404", "500"}
	namespaces  = []string{"kube-system", "default", "pks-system", "monitoring", "payments", "web"}
	pods        = []string{"coredns-6f9d8b", "metrics-server-5d4c", "api-gateway-7b8f9", "checkout-5c6d7", "fluent-bit-x2k9l", "nginx-ingress-6c8f"}
	images      = []string{"harbor.corp.local/payments/checkout:2.4.1", "nginx:1.25", "harbor.corp.local/web/frontend:1.9.0", "busybox:1.36"}
)

func pksAPILine(l *logLine) {
	switch l.r.intn(20) {
	case 0:
		l.add(rfc3339(l.at), " ERROR [pks-api] cluster ", l.pick(logClusterNames), ": BOSH task ", itoa(100+l.r.intn(900)), " failed: Error: Action Failed get_task: Task ", l.r.hex(8), " result: 1 of 2 pre-start scripts failed\n")
	default:
		l.add(rfc3339(l.at), " INFO  [pks-api] ", l.pick(httpMethods), " ", l.pick(httpPaths), " status=", l.pick(httpCodes),
			" duration=", itoa(2+l.r.intn(400)), "ms request_id=", l.r.hex(16), " client=pks_cli remote=10.0.0.", itoa(2+l.r.intn(200)), "\n")
	}
}

var logClusterNames = []string{"payments-prod", "web-staging", "data-pipeline", "platform-tools"}

func uaaLine(l *logLine) {
	t := "[" + uaaTime(l.at) + "] uaa - 7777 [https-jsse-nio-8443-exec-" + itoa(1+l.r.intn(9)) + "] .... "
	switch l.r.intn(8) {
	case 0:
		l.add(t, " INFO --- Audit: UserAuthenticationSuccess ('admin'): principal=", l.r.uuid(), ", origin=[remoteAddress=10.0.0.", itoa(2+l.r.intn(200)), ", clientId=pks_cli], identityZoneId=[uaa]\n")
	case 1:
		l.add(t, " INFO --- Audit: TokenIssuedEvent ('[\"pks.clusters.admin\"]'): principal=pks_cli, origin=[caller=pks_cli], identityZoneId=[uaa]\n")
	case 2:
		l.add(t, " INFO --- Audit: ClientAuthenticationSuccess ('Client authentication success'): principal=pks_cli, origin=[remoteAddress=10.0.0.", itoa(2+l.r.intn(200)), ", clientId=pks_cli], identityZoneId=[uaa]\n")
	default:
		l.add(t, "DEBUG --- SessionResetFilter: Processing request /oauth/token\n")
	}
}

func accessLine(l *logLine) {
	l.add("10.0.0.", itoa(2+l.r.intn(200)), " - - [", l.at.UTC().Format("02/Jan/2006:15:04:05 +0000"), "] \"POST /oauth/token HTTP/1.1\" 200 ", itoa(900+l.r.intn(2000)), "\n")
}

func brokerLine(l *logLine) {
	if l.r.intn(4) == 0 {
		l.add("[on-demand-service-broker] [", l.r.uuid(), "] ", l.at.UTC().Format("2006/01/02 15:04:05.000000"),
			" BOSH task ID ", itoa(100+l.r.intn(900)), " status: processing update deployment for instance ", l.r.uuid(), ": Description: update deployment Result: \n")
		return
	}
	l.add("[on-demand-service-broker] ", l.at.UTC().Format("2006/01/02 15:04:05.000000"), " Starting broker request GET /v2/service_instances/", l.r.uuid(), "/last_operation\n")
}

func brokerErrLine(l *logLine) {
	l.add("[on-demand-service-broker] ", l.at.UTC().Format("2006/01/02 15:04:05.000000"), " error: could not reach the BOSH director: dial tcp 10.0.0.6:25555: i/o timeout\n")
}

func bpmLine(l *logLine) {
	l.add(`{"timestamp":"`, rfc3339(l.at), `","level":"info","source":"bpm","message":"bpm.start.starting","data":{"job":"`, l.pick([]string{"pks-api", "uaa", "broker"}), `","session":"1"}}`, "\n")
}

func telemetryLine(l *logLine) {
	l.add(rfc3339(l.at), " telemetry-server: sent batch of ", itoa(1+l.r.intn(50)), " events to the telemetry endpoint\n")
}

func apiserverOutLine(l *logLine) {
	l.add("I", klogTime(l.at), "       1 ", "controller.go:611] quota admission added evaluator for: leases.coordination.k8s.io\n")
}

func apiserverErrLine(l *logLine) {
	switch l.r.intn(30) {
	case 0:
		l.add("E", klogTime(l.at), "       1 status.go:71] apiserver received an error that is not an metav1.Status: context canceled\n")
	case 1:
		l.add("W", klogTime(l.at), "       1 dispatcher.go:142] Failed calling webhook, failing open validate.nginx.ingress.kubernetes.io: context deadline exceeded\n")
	default:
		l.add("I", klogTime(l.at), "       1 httplog.go:132] \"HTTP\" verb=\"", l.pick([]string{"GET", "LIST", "WATCH", "PATCH"}), "\" URI=\"/api/v1/namespaces/",
			l.pick(namespaces), "/pods\" latency=\"", itoa(1+l.r.intn(90)), ".", itoa(l.r.intn(999)), "ms\" resp=200 userAgent=\"kubelet/v", k8sVersion, "\" srcIP=\"", l.ip(), ":", itoa(30000+l.r.intn(30000)), "\"\n")
	}
}

func auditLine(l *logLine) {
	verb := l.pick([]string{"get", "list", "watch", "update", "create"})
	l.add(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"`, l.r.uuid(), `","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/`,
		l.pick(namespaces), `/pods","verb":"`, verb, `","user":{"username":"system:serviceaccount:kube-system:generic-garbage-collector"},"sourceIPs":["`, l.ip(),
		`"],"responseStatus":{"code":200},"requestReceivedTimestamp":"`, rfc3339(l.at), `","stageTimestamp":"`, rfc3339(l.at), `"}`, "\n")
}

func etcdLine(l *logLine) {
	l.add(`{"level":"info","ts":"`, rfc3339(l.at), `","caller":"mvcc/index.go:214","msg":"compact tree index","revision":`, itoa(100000+l.n*7), "}\n")
}

func etcdErrLine(l *logLine) {
	l.add(`{"level":"warn","ts":"`, rfc3339(l.at), `","caller":"etcdserver/util.go:166","msg":"apply request took too long","took":"`, itoa(100+l.r.intn(400)), `ms","expected-duration":"100ms"}`, "\n")
}

func controllerLine(l *logLine) {
	l.add("I", klogTime(l.at), "       1 event.go:307] \"Event occurred\" object=\"", l.pick(namespaces), "/", l.pick(pods), "\" kind=\"ReplicaSet\" reason=\"SuccessfulCreate\"\n")
}

func schedulerLine(l *logLine) {
	l.add("I", klogTime(l.at), "       1 schedule_one.go:252] \"Successfully bound pod to node\" pod=\"", l.pick(namespaces), "/", l.pick(pods), "\" node=\"", l.ip(), "\"\n")
}

func kubeletOutLine(l *logLine) {
	l.add("I", klogTime(l.at), "    4521 kubelet_node_status.go:70] \"Attempting to register node\" node=\"", l.ip(), "\"\n")
}

func kubeletLine(l *logLine) {
	failing := l.in != nil && l.in.Failing == "kubelet"
	odds := 40
	if failing {
		odds = 6
	}
	switch k := l.r.intn(odds); {
	case k == 0:
		l.add("E", klogTime(l.at), "    4521 pod_workers.go:1294] \"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for \\\"checkout\\\" with CrashLoopBackOff: \\\"Back-off restarting failed container checkout in pod ",
			l.pick(pods), "\\\"\" pod=\"", l.pick(namespaces), "/", l.pick(pods), "\"\n")
	case k == 1:
		l.add("E", klogTime(l.at), "    4521 remote_image.go:171] \"PullImage from image service failed\" err=\"rpc error: code = NotFound\" image=\"", l.pick(images), "\"\n")
		l.add("E", klogTime(l.at), "    4521 kuberuntime_manager.go:1256] container start failed: ErrImagePull: Error: ErrImagePull\n")
	case k == 2 && failing:
		l.add("F", klogTime(l.at), "    4521 server.go:266] FATAL failed to run Kubelet: unable to load bootstrap kubeconfig: stat /var/vcap/jobs/kubelet/config/bootstrap-kubeconfig: no such file or directory\n")
	default:
		l.add("I", klogTime(l.at), "    4521 kubelet.go:2440] \"SyncLoop (PLEG): event for pod\" pod=\"", l.pick(namespaces), "/", l.pick(pods), "\" event={\"Type\":\"ContainerStarted\"}\n")
	}
}

func containerdOutLine(l *logLine) {
	l.add(`time="`, rfc3339(l.at), `" level=info msg="loading plugin \"io.containerd.grpc.v1.cri\"..." type=io.containerd.grpc.v1`, "\n")
}

func containerdLine(l *logLine) {
	if l.r.intn(25) == 0 {
		l.add(`time="`, rfc3339(l.at), `" level=error msg="PullImage \"`, l.pick(images), `\" failed" error="failed to resolve reference: not found"`, "\n")
		return
	}
	l.add(`time="`, rfc3339(l.at), `" level=info msg="StartContainer for \"`, l.r.hex(64), `\" returns successfully"`, "\n")
}

func dnsLine(l *logLine) {
	l.add("[RequestLoggerHandler] ", l.at.UTC().Format("2006/01/02 15:04:05"), " INFO - handlers.DiscoveryHandler Request [1] [", l.pick([]string{"q-s0.master.pks.", "uaa.service.cf.internal.", "kubernetes.default.svc."}), "bosh.] 0 ", itoa(l.r.intn(900)), "ns\n")
}

func genericLine(name string) func(l *logLine) {
	return func(l *logLine) {
		l.add(rfc3339(l.at), " [", name, "] INFO handled request id=", l.r.hex(12), " in ", itoa(1+l.r.intn(300)), "ms\n")
	}
}

func genericErrLine(name string) func(l *logLine) {
	return func(l *logLine) {
		l.add(rfc3339(l.at), " [", name, "] ERROR upstream connection reset by peer; retrying\n")
	}
}

func agentLine(l *logLine) {
	l.add(l.at.UTC().Format("2006-01-02_15:04:05.00000"), " [Agent] ", l.at.UTC().Format("2006/01/02 15:04:05"), " DEBUG - ",
		l.pick([]string{"Received request with action get_state", "Responding", "Building heartbeat", "Received request with action fetch_logs", "Sending heartbeat"}), "\n")
}

func syslogLine(l *logLine) {
	l.add(l.at.UTC().Format("Jan _2 15:04:05"), " ", vmHost(l.in), " ", l.pick([]string{"systemd[1]", "monit[4312]", "rsyslogd[811]", "CRON[12931]"}), ": ",
		l.pick([]string{"Started Session 12 of user root.", "'kubelet' process is running", "action 'action-8' resumed", "(root) CMD (/usr/sbin/logrotate /etc/logrotate.conf)"}), "\n")
}

func authLine(l *logLine) {
	l.add(l.at.UTC().Format("Jan _2 15:04:05"), " ", vmHost(l.in), " sshd[", itoa(2000+l.r.intn(8000)), "]: Accepted publickey for bosh_", l.r.hex(15), " from 10.0.0.6 port ", itoa(30000+l.r.intn(30000)), " ssh2\n")
}

func kernLine(l *logLine) {
	l.add(l.at.UTC().Format("Jan _2 15:04:05"), " ", vmHost(l.in), " kernel: [", itoa(l.n*13), ".", itoa(100000+l.r.intn(899999)), "] IPv4: martian source 10.200.", itoa(l.r.intn(255)), ".1 from 10.200.0.1\n")
}

func vmHost(in *instance) string {
	if in == nil || in.VM == nil {
		return "localhost"
	}
	return in.VM.AgentID
}

// renderLines writes a file's lines, spread evenly over the six hours
// before end, to emit in chunks.
func renderLines(f logFile, in *instance, r *rng, end time.Time, lines int, emit func([]byte) error) error {
	l := &logLine{r: r, in: in, buf: make([]byte, 0, 64<<10)}
	span := 6 * time.Hour
	step := span / time.Duration(max(lines, 1))
	start := end.Add(-span)
	for i := 0; i < lines; i++ {
		l.n = i
		l.at = start.Add(time.Duration(i) * step)
		f.line(l)
		if len(l.buf) >= 60<<10 {
			if err := emit(l.buf); err != nil {
				return err
			}
			l.buf = l.buf[:0]
		}
	}
	if len(l.buf) > 0 {
		return emit(l.buf)
	}
	return nil
}

// padLines writes exactly size bytes of whole lines of f, a millisecond
// apart from a day before end; the last line is cut short to fit.
func padLines(f logFile, in *instance, r *rng, end time.Time, size int64, emit func([]byte) error) error {
	l := &logLine{r: r, in: in, buf: make([]byte, 0, 256<<10)}
	var written int64
	at := end.Add(-24 * time.Hour)
	for n := 0; written < size; n++ {
		l.n = n
		l.at = at.Add(time.Duration(n) * time.Millisecond)
		f.line(l)
		if len(l.buf) < 250<<10 && written+int64(len(l.buf)) < size {
			continue
		}
		out := l.buf
		if rest := size - written; int64(len(out)) >= rest {
			out = out[:rest]
			out[len(out)-1] = '\n'
		}
		if err := emit(out); err != nil {
			return err
		}
		written += int64(len(out))
		l.buf = l.buf[:0]
	}
	return nil
}
