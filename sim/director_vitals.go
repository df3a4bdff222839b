package sim

import (
	"fmt"
	"math"
	"time"
)

// The shapes below are written in the key order the v280 director emits
// (jobs/vm_state.rb) with the agent's vitals passed through unchanged
// (agent platform/vitals and jobsupervisor types, omitempty included).

type vmInfoLine struct {
	VMCID           *string         `json:"vm_cid"`
	Active          *bool           `json:"active"`
	VMCreatedAt     *string         `json:"vm_created_at"`
	CloudProperties cloudProperties `json:"cloud_properties"`
	DiskCID         *string         `json:"disk_cid"`
	DiskCIDs        []string        `json:"disk_cids"`
	IPs             []string        `json:"ips"`
	AgentID         *string         `json:"agent_id"`
	JobName         string          `json:"job_name"`
	Index           int             `json:"index"`
	JobState        *string         `json:"job_state"`
	State           string          `json:"state"`
	VMType          string          `json:"vm_type"`
	Vitals          *agentVitals    `json:"vitals"`
	Processes       []agentProcess  `json:"processes"`
	AZ              string          `json:"az"`
	ID              string          `json:"id"`
	Bootstrap       bool            `json:"bootstrap"`
	Ignore          bool            `json:"ignore"`
	Stemcell        vmStemcell      `json:"stemcell"`
}

type cloudProperties struct {
	CPU  int `json:"cpu"`
	RAM  int `json:"ram"`
	Disk int `json:"disk"`
}

type vmStemcell struct {
	Name       *string `json:"name"`
	Version    *string `json:"version"`
	APIVersion *int    `json:"api_version"`
}

type agentVitals struct {
	CPU    agentCPU             `json:"cpu"`
	Disk   map[string]agentDisk `json:"disk,omitempty"`
	Load   []string             `json:"load,omitempty"`
	Mem    agentMem             `json:"mem"`
	Swap   agentMem             `json:"swap"`
	Uptime agentUptime          `json:"uptime"`
}

type agentCPU struct {
	Sys  string `json:"sys,omitempty"`
	User string `json:"user,omitempty"`
	Wait string `json:"wait,omitempty"`
}

type agentDisk struct {
	InodePercent string `json:"inode_percent,omitempty"`
	Percent      string `json:"percent,omitempty"`
}

type agentMem struct {
	KB      string `json:"kb,omitempty"`
	Percent string `json:"percent,omitempty"`
}

type agentUptime struct {
	Secs uint64 `json:"secs,omitempty"`
}

type agentProcess struct {
	Name   string       `json:"name"`
	State  string       `json:"state"`
	Uptime agentUptime  `json:"uptime"`
	Mem    agentProcMem `json:"mem"`
	CPU    agentProcCPU `json:"cpu"`
}

type agentProcMem struct {
	KB      uint64  `json:"kb,omitempty"`
	Percent float64 `json:"percent"`
}

type agentProcCPU struct {
	Total float64 `json:"total"`
}

// vmInfo renders one format=full line for an instance in state s and one
// of its VMs (nil for an instance without a VM) at time now.
func vmInfo(s instanceNow, v *vm, now time.Time) vmInfoLine {
	in := s.in
	g := in.Group
	line := vmInfoLine{
		CloudProperties: cloudProperties{CPU: g.CPU, RAM: g.RAMMB, Disk: g.DiskMB},
		DiskCIDs:        []string{},
		IPs:             []string{},
		JobName:         g.Name,
		Index:           in.Index,
		State:           s.state,
		VMType:          g.VMType,
		Processes:       []agentProcess{},
		AZ:              in.AZ,
		ID:              in.ID,
		Bootstrap:       in.Bootstrap,
		Ignore:          in.Ignore,
	}
	if in.DiskCID != "" {
		line.DiskCID = ptr(in.DiskCID)
		line.DiskCIDs = []string{in.DiskCID}
	}
	if v == nil {
		return line
	}
	line.VMCID = ptr(v.CID)
	line.Active = ptr(v.Active)
	line.VMCreatedAt = ptr(v.CreatedAt.UTC().Format(time.RFC3339))
	line.IPs = append([]string{}, v.IPs...)
	line.AgentID = ptr(v.AgentID)
	line.Stemcell = vmStemcell{Name: ptr(v.Stemcell.Name), Version: ptr(v.Stemcell.Version), APIVersion: ptr(v.Stemcell.APIVersion)}
	health := s.health()
	switch health {
	case healthUnresponsive:
		line.JobState = ptr("unresponsive agent")
		return line
	case healthStopped:
		line.JobState = ptr("stopped")
	case healthFailing:
		line.JobState = ptr("failing")
	default:
		line.JobState = ptr("running")
	}
	uptime := now.Sub(v.CreatedAt)
	if uptime < 0 {
		uptime = 0
	}
	line.Vitals = vitalsAt(in, health, uptime, now)
	ramKB := float64(g.RAMMB) * 1024
	for _, p := range in.Procs {
		ap := agentProcess{Name: p.Name, State: "running"}
		switch {
		case health == healthStopped:
			ap.State = "stopped"
		case health == healthFailing && p.Name == in.Failing:
			ap.State = "failing"
		default:
			if up := uptime - p.StartLag; up > 0 {
				ap.Uptime.Secs = uint64(up / time.Second)
			}
			ap.Mem.KB = p.MemKB
			ap.Mem.Percent = round1(float64(p.MemKB) / ramKB * 100)
			ap.CPU.Total = round1(p.CPU * jitter(now, in.Load.Phase))
		}
		line.Processes = append(line.Processes, ap)
	}
	return line
}

// vitalsAt renders the agent's vitals: strings with the agent's precision.
func vitalsAt(in *instance, health string, uptime time.Duration, now time.Time) *agentVitals {
	s := in.Load
	j := jitter(now, s.Phase)
	busy := 1.0
	if health == healthStopped {
		busy = 0.1
	}
	memPct := s.MemPercent * busy
	if health == healthStopped {
		memPct = 6 + s.MemPercent/20
	}
	memKB := uint64(memPct / 100 * float64(in.Group.RAMMB) * 1024)
	load := s.Load1 * j * busy
	v := &agentVitals{
		CPU: agentCPU{
			Sys:  fmt.Sprintf("%.1f", s.CPUSys*j*busy),
			User: fmt.Sprintf("%.1f", s.CPUUser*j*busy),
			Wait: fmt.Sprintf("%.1f", s.CPUWait*busy),
		},
		Disk: map[string]agentDisk{
			"system":    {InodePercent: pct(s.SystemInode), Percent: pct(s.SystemDisk)},
			"ephemeral": {InodePercent: pct(s.EphInode), Percent: pct(s.EphDisk)},
		},
		Load:   []string{fmt.Sprintf("%.2f", load), fmt.Sprintf("%.2f", load*0.9), fmt.Sprintf("%.2f", load*0.8)},
		Mem:    agentMem{KB: fmt.Sprintf("%d", memKB), Percent: pct(memPct)},
		Swap:   agentMem{KB: "0", Percent: "0"},
		Uptime: agentUptime{Secs: uint64(uptime / time.Second)},
	}
	if in.DiskCID != "" {
		v.Disk["persistent"] = agentDisk{InodePercent: pct(s.PersInode), Percent: pct(s.PersDisk)}
	}
	return v
}

// jitter moves figures by up to ±15% over a four-minute cycle so that a
// refreshed screen shows live numbers.
func jitter(now time.Time, phase float64) float64 {
	t := float64(now.Unix()%240) / 240 * 2 * math.Pi
	return 1 + 0.15*math.Sin(t+phase)
}

func pct(f float64) string { return fmt.Sprintf("%.0f", f) }

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func ptr[T any](v T) *T { return &v }

// cheapLine is what the cheap instance and VM listings share.
type cheapLine struct {
	AgentID     *string  `json:"agent_id"`
	CID         *string  `json:"cid"`
	Job         string   `json:"job"`
	Index       int      `json:"index"`
	ID          string   `json:"id"`
	AZ          string   `json:"az"`
	IPs         []string `json:"ips"`
	VMCreatedAt *string  `json:"vm_created_at"`
}

// instanceLine is one element of the cheap GET /deployments/:d/instances.
type instanceLine struct {
	cheapLine
	ExpectsVM bool `json:"expects_vm"`
}

// vmLine is one element of the cheap GET /deployments/:d/vms.
type vmLine struct {
	cheapLine
	Active                   bool `json:"active"`
	PermanentNATSCredentials bool `json:"permanent_nats_credentials"`
}

// newCheapLine is in's part of a cheap listing line, with v's VM fields
// when v is not nil.
func newCheapLine(in *instance, v *vm) cheapLine {
	l := cheapLine{Job: in.Group.Name, Index: in.Index, ID: in.ID, AZ: in.AZ, IPs: []string{}}
	if v != nil {
		l.AgentID, l.CID = ptr(v.AgentID), ptr(v.CID)
		l.IPs = append(l.IPs, v.IPs...)
		l.VMCreatedAt = ptr(v.CreatedAt.UTC().Format(time.RFC3339))
	}
	return l
}

func cheapInstance(s instanceNow) instanceLine {
	return instanceLine{cheapLine: newCheapLine(s.in, s.vm), ExpectsVM: s.in.expectsVM() && s.state != "detached"}
}

func cheapVM(s instanceNow, v *vm) vmLine {
	return vmLine{cheapLine: newCheapLine(s.in, v), Active: v.Active, PermanentNATSCredentials: true}
}
