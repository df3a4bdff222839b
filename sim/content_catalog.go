package sim

// Release jobs and the monit processes they run, as seen on PKS/TKGI
// foundations. Memory figures are typical resident sizes in KB.

var (
	bpmJob     = job{Name: "bpm", Release: "bpm"} // bpm's own job runs no monit process
	boshDNSJob = job{Name: "bosh-dns", Release: "bosh-dns", Processes: []procSpec{
		{"bosh-dns", 24_000, 0.3}, {"bosh-dns-resolvconf", 3_800, 0}, {"bosh-dns-healthcheck", 11_500, 0.1},
	}}
	blackboxJob = job{Name: "blackbox", Release: "syslog", Processes: []procSpec{{"blackbox", 14_200, 0.1}}}

	pksAPIJobs = []job{
		{Name: "pks-api", Release: "pks-api", Processes: []procSpec{{"pks-api", 412_000, 0.8}}},
		{Name: "broker", Release: "on-demand-service-broker", Processes: []procSpec{{"broker", 118_000, 0.2}}},
		{Name: "kubo-service-adapter", Release: "kubo-service-adapter"},
		{Name: "pks-nsx-t-osb-proxy", Release: "pks-nsx-t", Processes: []procSpec{{"pks-nsx-t-osb-proxy", 41_000, 0.1}}},
		{Name: "uaa", Release: "uaa", Processes: []procSpec{{"uaa", 905_000, 1.1}}},
		{Name: "telemetry-server", Release: "pks-telemetry", Processes: []procSpec{{"telemetry-server", 52_000, 0.1}}},
		bpmJob, boshDNSJob,
	}
	pksDBJobs = []job{
		{Name: "pxc-mysql", Release: "pxc", Processes: []procSpec{
			{"pxc-mysql", 1_210_000, 2.4}, {"galera-agent", 29_000, 0.1}, {"gra-log-purger", 5_100, 0}, {"cluster-health-logger", 9_800, 0},
		}},
		{Name: "proxy", Release: "pxc", Processes: []procSpec{{"proxy", 38_000, 0.2}}},
		bpmJob, boshDNSJob,
	}
	masterJobs = []job{
		{Name: "kube-apiserver", Release: "kubo", Processes: []procSpec{{"kube-apiserver", 912_000, 4.2}}},
		{Name: "kube-controller-manager", Release: "kubo", Processes: []procSpec{{"kube-controller-manager", 148_000, 1.3}}},
		{Name: "kube-scheduler", Release: "kubo", Processes: []procSpec{{"kube-scheduler", 61_000, 0.4}}},
		{Name: "etcd", Release: "cfcr-etcd", Processes: []procSpec{{"etcd", 356_000, 2.1}}},
		{Name: "flanneld", Release: "kubo", Processes: []procSpec{{"flanneld", 31_000, 0.2}}},
		blackboxJob, bpmJob, boshDNSJob,
	}
	workerJobs = []job{
		{Name: "kubelet", Release: "kubo", Processes: []procSpec{{"kubelet", 204_000, 3.1}}},
		{Name: "kube-proxy", Release: "kubo", Processes: []procSpec{{"kube-proxy", 42_000, 0.6}}},
		{Name: "containerd", Release: "kubo", Processes: []procSpec{{"containerd", 151_000, 1.4}}},
		{Name: "flanneld", Release: "kubo", Processes: []procSpec{{"flanneld", 30_000, 0.2}}},
		blackboxJob, bpmJob, boshDNSJob,
	}
	harborJobs = []job{
		{Name: "harbor", Release: "harbor-container-registry", Processes: []procSpec{{"harbor", 1_480_000, 2.2}}},
		{Name: "harbor-enable-uaa", Release: "harbor-container-registry"},
		bpmJob, boshDNSJob,
	}
	harborErrandJobs = []job{{Name: "smoke-test", Release: "harbor-container-registry"}}

	fillerWebJobs = []job{
		{Name: "nginx", Release: "nginx", Processes: []procSpec{{"nginx", 58_000, 0.5}}},
		{Name: "web-app", Release: "demo-apps", Processes: []procSpec{{"web-app", 310_000, 2.0}}},
		boshDNSJob,
	}
	fillerWorkerJobs = []job{
		{Name: "queue-worker", Release: "demo-apps", Processes: []procSpec{{"queue-worker", 260_000, 3.5}}},
		{Name: "redis", Release: "redis", Processes: []procSpec{{"redis", 96_000, 0.7}}},
		boshDNSJob,
	}
	fillerDBJobs = []job{
		{Name: "postgres", Release: "postgres", Processes: []procSpec{{"postgres", 640_000, 1.8}}},
		bpmJob, boshDNSJob,
	}
)

// The TKGI release of the foundation and the Kubernetes it ships: the
// pks-api, kubo-service-adapter and kubo releases are the TKGI version;
// kubo 1.18 (TKGI 1.18) ships Kubernetes 1.27.
const (
	tkgiVersion = "1.18.2"
	k8sVersion  = "1.27.5"
)

// Release versions used on the foundation. Every version parses as a
// semi-semantic version (the bosh CLI refuses deployments otherwise).
var releaseVersions = map[string]string{
	"pks-api":                   tkgiVersion,
	"on-demand-service-broker":  "0.44.0",
	"kubo-service-adapter":      tkgiVersion,
	"pks-nsx-t":                 "1.81.0",
	"uaa":                       "76.24.0",
	"pks-telemetry":             "2.0.0",
	"pxc":                       "1.0.21",
	"bpm":                       "1.2.16",
	"bosh-dns":                  "1.38.2",
	"syslog":                    "12.2.2",
	"kubo":                      tkgiVersion,
	"cfcr-etcd":                 "1.18.0",
	"pks-helpers":               "50.0.0",
	"sink-resources":            "0.1.30",
	"backup-and-restore-sdk":    "1.18.104",
	"harbor-container-registry": "2.9.1",
	"nginx":                     "1.21.6",
	"demo-apps":                 "3.2.0",
	"redis":                     "15.1.0",
	"postgres":                  "48",
}

// olderReleaseVersions are uploaded but no longer deployed.
var olderReleaseVersions = map[string][]string{
	"pks-api":   {"1.17.4"},
	"kubo":      {"1.17.4"},
	"cfcr-etcd": {"1.17.3"},
	"bosh-dns":  {"1.36.11"},
	"uaa":       {"76.20.0"},
}

const (
	stemcellName    = "bosh-vsphere-esxi-ubuntu-jammy-go_agent"
	stemcellOS      = "ubuntu-jammy"
	stemcellVersion = "1.423"
	oldStemcellVer  = "1.406"
	directorVersion = "280.0.22 (00000000)"
)
