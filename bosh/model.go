// Package bosh talks to a BOSH director through the bosh-cli director and
// uaa packages and turns what it says into bosun's own plain types.
// It never prints and never imports the TUI.
package bosh

import (
	"cmp"
	"slices"
	"time"
)

// Info is what GET /info says about a director, plus the user bosun is
// authenticated as.
type Info struct {
	Name            string          `json:"name"`
	UUID            string          `json:"uuid"`
	Version         string          `json:"version"`
	User            string          `json:"user"`
	CPI             string          `json:"cpi"`
	StemcellOS      string          `json:"stemcell_os"`
	StemcellVersion string          `json:"stemcell_version"`
	AuthType        string          `json:"auth_type"` // "uaa" or "basic"
	UAAURL          string          `json:"uaa_url"`   // "" for basic auth
	Features        map[string]bool `json:"features"`
}

// Deployment is one row of GET /deployments.
type Deployment struct {
	Name      string   `json:"name"`
	Releases  []string `json:"releases"`  // "name/version"
	Stemcells []string `json:"stemcells"` // "name/version"
	Teams     []string `json:"teams"`
	Locked    bool     `json:"locked"`
}

// Process is one monit-supervised process of an instance.
type Process struct {
	Name       string  `json:"name"`
	State      string  `json:"state"`
	UptimeSecs int64   `json:"uptime_secs"`
	MemKB      int64   `json:"mem_kb"`
	MemPercent float64 `json:"mem_percent"`
	CPUTotal   float64 `json:"cpu_total"`
}

// Usage is a used-percentage pair as the agent reports it.
type Usage struct {
	Percent      float64 `json:"percent"`
	InodePercent float64 `json:"inode_percent"`
}

// Mem is memory or swap usage.
type Mem struct {
	KB      int64   `json:"kb"`
	Percent float64 `json:"percent"`
}

// CPU is the agent's CPU split in percent.
type CPU struct {
	Sys  float64 `json:"sys"`
	User float64 `json:"user"`
	Wait float64 `json:"wait"`
}

// Vitals are the agent's vitals, parsed from the director's strings into
// numbers. A disk that is not mounted is nil.
type Vitals struct {
	Load       [3]float64 `json:"load"`
	CPU        CPU        `json:"cpu"`
	Mem        Mem        `json:"mem"`
	Swap       Mem        `json:"swap"`
	System     *Usage     `json:"disk_system"` // null when not mounted
	Ephemeral  *Usage     `json:"disk_ephemeral"`
	Persistent *Usage     `json:"disk_persistent"`
	UptimeSecs int64      `json:"uptime_secs"`
}

// Process states as the director reports them in job_state.
const (
	StateRunning      = "running"
	StateFailing      = "failing"
	StateStarting     = "starting"
	StateStopped      = "stopped"
	StateUnknown      = "unknown"
	StateUnresponsive = "unresponsive agent"
)

// Instance is one instance of a deployment. Full is true when it came from
// the task-based format=full listing (process state, processes, vitals);
// the cheap synchronous listing leaves those empty.
type Instance struct {
	Deployment   string    `json:"deployment"`
	Group        string    `json:"-"`
	ID           string    `json:"-"`
	Name         string    `json:"instance"` // "group/uuid"
	Index        int       `json:"index"`
	ProcessState string    `json:"process_state"`
	State        string    `json:"state"` // desired: started, stopped, detached
	AZ           string    `json:"az"`
	IPs          []string  `json:"ips"`
	VMCID        string    `json:"vm_cid"`
	VMType       string    `json:"vm_type"`
	AgentID      string    `json:"agent_id"`
	Bootstrap    bool      `json:"bootstrap"`
	Ignore       bool      `json:"ignore"`
	DiskCIDs     []string  `json:"disk_cids"`
	VMCreatedAt  time.Time `json:"vm_created_at,omitzero"` // printed as null when unknown (internal/cli)
	Processes    []Process `json:"processes"`
	Vitals       *Vitals   `json:"vitals"`
	Full         bool      `json:"-"`
}

// Health sums up instances by process state.
type Health struct {
	Total        int `json:"total"`
	Running      int `json:"running"`
	Failing      int `json:"failing"`
	Unresponsive int `json:"unresponsive"`
	Stopped      int `json:"stopped"`
	Other        int `json:"other"` // starting, unknown, no VM
}

// Summarize counts instances by process state.
func Summarize(insts []Instance) Health {
	var h Health
	for _, in := range insts {
		h.Total++
		switch in.ProcessState {
		case StateRunning:
			h.Running++
		case StateFailing:
			h.Failing++
		case StateUnresponsive:
			h.Unresponsive++
		case StateStopped:
			h.Stopped++
		default:
			h.Other++
		}
	}
	return h
}

// CompareInstances orders instances by deployment, instance group, index
// and id: the order of every listing bosun prints.
func CompareInstances(a, b Instance) int {
	return cmp.Or(cmp.Compare(a.Deployment, b.Deployment), cmp.Compare(a.Group, b.Group),
		cmp.Compare(a.Index, b.Index), cmp.Compare(a.ID, b.ID))
}

// SortInstances sorts insts in the order of CompareInstances.
func SortInstances(insts []Instance) { slices.SortStableFunc(insts, CompareInstances) }
