package pks

import (
	"strings"

	"bosun/bosh"
)

// Health is a cluster's roll-up from the director's instance details:
// masters and workers by process state, and what is wrong.
type Health struct {
	State          string   `json:"state"` // healthy, degraded, down, unknown
	Masters        int      `json:"masters"`
	MastersRunning int      `json:"masters_running"`
	Workers        int      `json:"workers"`
	WorkersRunning int      `json:"workers_running"`
	Failing        int      `json:"failing"`
	Unresponsive   int      `json:"unresponsive"`
	Stopped        int      `json:"stopped"`
	Problems       []string `json:"problems"` // "worker/<uuid> failing: kubelet"
}

// Health states.
const (
	HealthHealthy  = "healthy"
	HealthDegraded = "degraded" // something is not running, the control plane still has a running master
	HealthDown     = "down"     // no master is running
	HealthUnknown  = "unknown"  // no process states known (no details, or no deployment)
)

// RollUp sums up a cluster deployment's instances. Errand instances
// (other groups) are left out. Without process states (the cheap listing)
// the state is unknown but the counts of masters and workers stand.
func RollUp(insts []bosh.Instance) Health {
	h := Health{State: HealthUnknown, Problems: []string{}}
	known := false
	for _, in := range insts {
		group := in.Group
		if group == "" {
			group, _, _ = strings.Cut(in.Name, "/")
		}
		if group != "master" && group != "worker" {
			continue
		}
		running := in.ProcessState == bosh.StateRunning
		if group == "master" {
			h.Masters++
			if running {
				h.MastersRunning++
			}
		} else {
			h.Workers++
			if running {
				h.WorkersRunning++
			}
		}
		if !in.Full && in.ProcessState == "" {
			continue
		}
		known = true
		name := in.Name
		if name == "" {
			name = group + "/" + in.ID
		}
		switch in.ProcessState {
		case bosh.StateRunning:
		case bosh.StateFailing:
			h.Failing++
			h.Problems = append(h.Problems, name+" failing"+failingProcs(in.Processes))
		case bosh.StateUnresponsive:
			h.Unresponsive++
			h.Problems = append(h.Problems, name+" unresponsive agent")
		case bosh.StateStopped:
			h.Stopped++
			h.Problems = append(h.Problems, name+" stopped")
		default:
			h.Problems = append(h.Problems, name+" "+orWord(in.ProcessState, "no VM"))
		}
	}
	switch {
	case !known:
	case h.Masters > 0 && h.MastersRunning == 0:
		h.State = HealthDown
	case len(h.Problems) > 0:
		h.State = HealthDegraded
	default:
		h.State = HealthHealthy
	}
	return h
}

func failingProcs(ps []bosh.Process) string {
	var bad []string
	for _, p := range ps {
		if p.State != bosh.StateRunning {
			bad = append(bad, p.Name)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return ": " + strings.Join(bad, ", ")
}

func orWord(s, w string) string {
	if s == "" {
		return w
	}
	return s
}
