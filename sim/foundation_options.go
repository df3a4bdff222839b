package sim

import (
	"fmt"
	"net"
	"time"
)

// Options configures a simulated foundation. Zero values mean the defaults
// named on each field.
type Options struct {
	Listen                 string        // director address, default "127.0.0.1:25555"; "127.0.0.1:0" picks a free port
	UAAListen              string        // default: same host as Listen, port 0 (any free port)
	PKSListen              string        // PKS API address; default: same host as Listen, port 0. Its UAA takes a free port on that host
	UsageDB                string        // PKS usage data: "billing" (default, TKGI 1.7-1.8 on pks-db), "telemetry" (PKS 1.0-1.2 on the API VM), "none" (TKGI 1.9+); sim/pks_billing.go
	Deployments            int           // filler deployments, default 0
	InstancesPerDeployment int           // instances per filler deployment, default 50
	Workers                int           // task worker pool size, default 5
	TaskTime               time.Duration // time each task takes; zero means the default 300ms (sim serve --task-time 0 passes 1ns)
	Latency                time.Duration // added to every HTTP request, default 0
	TokenTTL               time.Duration // UAA access-token lifetime, default 10m
	Seed                   int64         // content seed; same seed => same foundation (uuids, CIDs, IPs, states)
	Auth                   string        // "uaa" (default) or "basic"
	Drift                  bool          // lay cloud-check drift over a PKS cluster, Harbor and the PKS control plane
	DriftSeed              int64         // chooses the drifted instances; 0 = Seed
	LogSize                int64         // wanted size in bytes of each log bundle (for benchmarks), 0 = natural size (tens of KB)
	APIServerStart         time.Duration // time a master's kube-apiserver takes to start, default 2s
	Faults                 Faults
}

// Faults are misbehaviours switched on by tests or by `sim serve` flags.
// They can be changed at run time with Foundation.SetFaults.
type Faults struct {
	// ErrorBurst makes the next N authenticated director requests answer
	// 500 with an empty body, as the director does for a non-director
	// exception. It counts down as requests pass authentication.
	ErrorBurst int
	// FailTasks makes every task that starts processing end in state
	// "error", with a task-level error line in its event output.
	FailTasks bool
	// DropDownloads cuts the next N downloads of GET /resources/:id
	// halfway through the body.
	DropDownloads int
	// FailLogs makes fetch-logs tasks fail as when the agent does not
	// answer.
	FailLogs bool
	// SSHDropAfter cuts an SSH connection to a VM once a command has
	// received this many bytes of input (0: never).
	SSHDropAfter int
	// StuckAPIServer names a master (instance uuid or group/uuid) whose
	// kube-apiserver never comes back after a restart with flags other
	// than its rendered ones.
	StuckAPIServer string
}

// Defaults applied by Start.
const (
	DefaultListen                 = "127.0.0.1:25555"
	DefaultInstancesPerDeployment = 50
	DefaultWorkers                = 5
	DefaultTaskTime               = 300 * time.Millisecond
	DefaultTokenTTL               = 10 * time.Minute
	DefaultAPIServerStart         = 2 * time.Second
	maxWorkers                    = 256
	maxFillerInstances            = 10000
	maxFillerDeployments          = 5000
	maxFillerTotal                = 200_000 // filler instances in all
)

// normalized checks opts and fills in defaults.
func (o Options) normalized() (Options, error) {
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	host, _, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return o, fmt.Errorf("sim: listen address %q: want host:port: %v", o.Listen, err)
	}
	if o.PKSListen == "" {
		o.PKSListen = net.JoinHostPort(host, "0")
	} else if _, _, err := net.SplitHostPort(o.PKSListen); err != nil {
		return o, fmt.Errorf("sim: PKS API listen address %q: want host:port: %v", o.PKSListen, err)
	}
	if o.UAAListen == "" {
		o.UAAListen = net.JoinHostPort(host, "0")
	} else if _, _, err := net.SplitHostPort(o.UAAListen); err != nil {
		return o, fmt.Errorf("sim: UAA listen address %q: want host:port: %v", o.UAAListen, err)
	}
	switch {
	case o.Deployments < 0 || o.Deployments > maxFillerDeployments:
		return o, fmt.Errorf("sim: deployments %d: want 0..%d", o.Deployments, maxFillerDeployments)
	case o.InstancesPerDeployment < 0 || o.InstancesPerDeployment > maxFillerInstances:
		return o, fmt.Errorf("sim: instances per deployment %d: want 0..%d (0 = %d)",
			o.InstancesPerDeployment, maxFillerInstances, DefaultInstancesPerDeployment)
	case o.Workers < 0 || o.Workers > maxWorkers:
		return o, fmt.Errorf("sim: workers %d: want 0..%d (0 = %d)", o.Workers, maxWorkers, DefaultWorkers)
	case o.TaskTime < 0:
		return o, fmt.Errorf("sim: task time %v: must not be negative", o.TaskTime)
	case o.Latency < 0:
		return o, fmt.Errorf("sim: latency %v: must not be negative", o.Latency)
	case o.APIServerStart < 0:
		return o, fmt.Errorf("sim: kube-apiserver start time %v: must not be negative", o.APIServerStart)
	case o.Faults.SSHDropAfter < 0:
		return o, fmt.Errorf("sim: SSH drop after %d bytes: must not be negative", o.Faults.SSHDropAfter)
	case o.TokenTTL < 0:
		return o, fmt.Errorf("sim: token TTL %v: must not be negative", o.TokenTTL)
	case o.Faults.ErrorBurst < 0:
		return o, fmt.Errorf("sim: error burst %d: must not be negative", o.Faults.ErrorBurst)
	case o.LogSize < 0 || o.LogSize > 64<<30:
		return o, fmt.Errorf("sim: log size %d: want 0..64 GiB", o.LogSize)
	case o.Faults.DropDownloads < 0:
		return o, fmt.Errorf("sim: dropped downloads %d: must not be negative", o.Faults.DropDownloads)
	}
	switch o.Auth {
	case "":
		o.Auth = "uaa"
	case "uaa", "basic":
	default:
		return o, fmt.Errorf("sim: auth %q: want \"uaa\" or \"basic\"", o.Auth)
	}
	if o.InstancesPerDeployment == 0 {
		o.InstancesPerDeployment = DefaultInstancesPerDeployment
	}
	if o.Deployments*o.InstancesPerDeployment > maxFillerTotal {
		return o, fmt.Errorf("sim: %d deployments of %d instances: more than %d filler instances in all",
			o.Deployments, o.InstancesPerDeployment, maxFillerTotal)
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.TaskTime == 0 {
		o.TaskTime = DefaultTaskTime
	}
	if o.APIServerStart == 0 {
		o.APIServerStart = DefaultAPIServerStart
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	return o, nil
}

// driftSeed is the seed that chooses where drift goes.
func (o Options) driftSeed() int64 {
	if o.DriftSeed != 0 {
		return o.DriftSeed
	}
	return o.Seed
}
