package bosh

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

// Problem is one open cloud-check problem: what the director's record
// expects against what the scan found.
type Problem struct {
	ID            int          `json:"id"`
	Type          string       `json:"type"`
	Description   string       `json:"description"`
	Instance      string       `json:"instance"` // "group/uuid", or the instance group when unknown
	InstanceGroup string       `json:"instance_group"`
	Resolutions   []Resolution `json:"resolutions"`
	Default       string       `json:"default"` // the director's auto resolution
	Expected      CheckState   `json:"expected"`
	Actual        CheckState   `json:"actual"`
	Invalid       bool         `json:"invalid"` // no longer valid; only "close" is left
}

// Resolution is one way to resolve a problem: Name is what the director
// takes, Plan what it means.
type Resolution struct {
	Name string `json:"name"`
	Plan string `json:"plan"`
}

// CheckState is one side of a problem's diff. Empty fields do not apply;
// in JSON they are null, every key always present.
type CheckState struct {
	VMCID   string `json:"vm_cid"`
	VM      string `json:"vm"`    // "exists" or "missing"
	Agent   string `json:"agent"` // "responding" or "not responding"
	DiskCID string `json:"disk_cid"`
	Disk    string `json:"disk"`  // "exists", "missing", "active" or "inactive"
	Mount   string `json:"mount"` // the VM(s) the disk is mounted on, or "not mounted"
}

// MarshalJSON writes every key, null for what does not apply.
func (c CheckState) MarshalJSON() ([]byte, error) {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return json.Marshal(struct {
		VMCID   *string `json:"vm_cid"`
		VM      *string `json:"vm"`
		Agent   *string `json:"agent"`
		DiskCID *string `json:"disk_cid"`
		Disk    *string `json:"disk"`
		Mount   *string `json:"mount"`
	}{opt(c.VMCID), opt(c.VM), opt(c.Agent), opt(c.DiskCID), opt(c.Disk), opt(c.Mount)})
}

// String renders one side of a problem's diff on one line:
// "VM vm-1 exists, agent not responding, disk disk-2 inactive, mounted on vm-1".
func (c CheckState) String() string {
	var parts []string
	if c.VMCID != "" || c.VM != "" {
		parts = append(parts, strings.TrimSpace("VM "+c.VMCID+" "+c.VM))
	}
	if c.Agent != "" {
		parts = append(parts, "agent "+c.Agent)
	}
	if c.DiskCID != "" || c.Disk != "" {
		parts = append(parts, strings.TrimSpace("disk "+c.DiskCID+" "+c.Disk))
	}
	switch c.Mount {
	case "":
	case "not mounted":
		parts = append(parts, "not mounted")
	default:
		parts = append(parts, "mounted on "+c.Mount)
	}
	return strings.Join(parts, ", ")
}

// Auto resolutions of the director (v280) by problem type.
var autoResolution = map[string]string{
	"missing_vm":          "recreate_vm_without_wait",
	"unresponsive_agent":  "ignore",
	"missing_disk":        "ignore",
	"inactive_disk":       "ignore",
	"mount_info_mismatch": "ignore",
}

// HasResolution says whether name is one of p's resolutions.
func (p Problem) HasResolution(name string) bool {
	for _, r := range p.Resolutions {
		if r.Name == name {
			return true
		}
	}
	return false
}

// Plan is the plan text of resolution name, or "".
func (p Problem) Plan(name string) string {
	for _, r := range p.Resolutions {
		if r.Name == name {
			return r.Plan
		}
	}
	return ""
}

// LockError says a deployment is locked by another director task.
type LockError struct {
	Deployment string
	TaskID     int
	TaskDesc   string // the holder's description, e.g. "create deployment"
	TaskUser   string
	Since      time.Time // when the holder started, zero if unknown
}

func (e *LockError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "deployment %s is locked by task %d", e.Deployment, e.TaskID)
	var parts []string
	if e.TaskDesc != "" {
		parts = append(parts, "'"+e.TaskDesc+"'")
	}
	if e.TaskUser != "" {
		parts = append(parts, "by "+e.TaskUser)
	}
	if !e.Since.IsZero() {
		parts = append(parts, "started "+e.Since.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	b.WriteString("; try again when it has finished")
	return b.String()
}

// scanLockMessage is the scan task's error when the deployment is locked.
const scanLockMessage = "Unable to get deployment lock"

// ScanProblems runs a cloud-check scan of dep (a director task, taking the
// deployment lock) and lists the problems it found. Each event line of the
// task goes to progress as it arrives (progress may be nil). A deployment
// locked by another task gives an *Error wrapping a *LockError that names
// the holder.
func (c *Client) ScanProblems(ctx context.Context, dep string, progress func(TaskEvent)) ([]Problem, error) {
	op := "cloud-check scan of " + dep
	if dep == "" {
		return nil, &Error{Kind: KindConfig, Op: "cloud-check scan", Description: "no deployment named"}
	}
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := c.checkLock(ctx, s, op, dep); err != nil {
		return nil, err
	}
	rep := newEventReporter(progress)
	path := "/deployments/" + url.PathEscape(dep) + "/scans"
	err = c.runTask(ctx, s, rep, func() (taskShort, error) {
		var t taskShort
		return t, s.wire.request(ctx).Post(path, nil, cckJSONHeader, &t)
	})
	if err != nil {
		e := c.taskError(ctx, s, op, rep, err)
		if e.Kind == KindTaskFailed && strings.Contains(e.Description, scanLockMessage) {
			if lerr := c.checkLock(ctx, s, op, dep); lerr != nil {
				return nil, lerr
			}
		}
		return nil, e
	}
	return c.Problems(ctx, dep)
}

// Problems lists dep's open problems (no task), with the instance each is
// about and its expected and actual state.
func (c *Client) Problems(ctx context.Context, dep string) ([]Problem, error) {
	op := "list problems of " + dep
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	raw, err := await(ctx, func() ([]boshdir.Problem, error) {
		return s.wire.client(ctx).ListProblems(dep)
	})
	if err != nil {
		return nil, classify(op, c.target.URL, err)
	}
	out := make([]Problem, 0, len(raw))
	needVMs := false
	for _, r := range raw {
		p := problemFrom(r)
		needVMs = needVMs || p.Instance == ""
		out = append(out, p)
	}
	if needVMs {
		// Disk mount problems name only CIDs; the cheap listing maps a VM
		// CID to its instance.
		if insts, err := c.Instances(ctx, dep); err == nil {
			byVM := map[string]string{}
			for _, in := range insts {
				if in.VMCID != "" {
					byVM[in.VMCID] = in.Name
				}
			}
			for i := range out {
				if out[i].Instance == "" {
					out[i].Instance = byVM[out[i].Expected.Mount]
				}
			}
		}
		for i := range out {
			if out[i].Instance == "" {
				out[i].Instance = out[i].InstanceGroup
			}
		}
	}
	return out, nil
}

var (
	instanceRe     = regexp.MustCompile(`for '([^'/ ]+/[^' ]+) \(\d+\)'`)
	cloudIDRe      = regexp.MustCompile(`with cloud ID '([^']+)'`)
	diskCIDRe      = regexp.MustCompile(`^Disk '([^']+)'`)
	missingDiskRe  = regexp.MustCompile(`^Disk '[^']+' \(([^,]+), `)
	inactiveInstRe = regexp.MustCompile(`for instance '([^' ]+) \(\d+\)'`)
	mountRecordRe  = regexp.MustCompile(`disk '([^']+)' should be mounted on ([^\s.]+)\.`)
	invalidRe      = regexp.MustCompile(`^Problem \([a-z_]+ \d+\) is no longer valid`)
)

// problemFrom reads the director's problem: its instance and the two
// sides of the diff come from the description (whose form is fixed per
// type) and the data.
func problemFrom(r boshdir.Problem) Problem {
	p := Problem{ID: r.ID, Type: r.Type, Description: r.Description, InstanceGroup: r.InstanceGroup,
		Resolutions: []Resolution{}, Default: autoResolution[r.Type]}
	for _, res := range r.Resolutions {
		if res.Name != nil {
			p.Resolutions = append(p.Resolutions, Resolution{Name: *res.Name, Plan: res.Plan})
		}
	}
	if invalidRe.MatchString(r.Description) {
		p.Invalid, p.Default = true, "close"
		return p
	}
	if m := instanceRe.FindStringSubmatch(r.Description); m != nil {
		p.Instance = m[1]
	}
	diskCID := ""
	if m := diskCIDRe.FindStringSubmatch(r.Description); m != nil {
		diskCID = m[1]
	}
	switch r.Type {
	case "missing_vm", "unresponsive_agent":
		cid := ""
		if m := cloudIDRe.FindStringSubmatch(r.Description); m != nil {
			cid = m[1]
		}
		p.Expected = CheckState{VMCID: cid, VM: "exists", Agent: "responding"}
		p.Actual = CheckState{VMCID: cid, VM: "exists", Agent: "not responding"}
		if r.Type == "missing_vm" {
			p.Actual.VM = "missing"
		}
		if cid == "" {
			p.Expected.VMCID = "(none on record)"
		}
	case "missing_disk":
		if m := missingDiskRe.FindStringSubmatch(r.Description); m != nil {
			p.Instance = m[1]
		}
		p.Expected = CheckState{DiskCID: diskCID, Disk: "exists"}
		p.Actual = CheckState{DiskCID: diskCID, Disk: "missing"}
	case "inactive_disk":
		if m := inactiveInstRe.FindStringSubmatch(r.Description); m != nil {
			p.Instance = m[1]
		}
		p.Expected = CheckState{DiskCID: diskCID, Disk: "active"}
		p.Actual = CheckState{DiskCID: diskCID, Disk: "inactive"}
	case "mount_info_mismatch":
		vm := ""
		if m := mountRecordRe.FindStringSubmatch(r.Description); m != nil {
			diskCID, vm = m[1], m[2]
		}
		p.Expected = CheckState{DiskCID: diskCID, Mount: vm}
		p.Actual = CheckState{DiskCID: diskCID, Mount: mountText(r.Data)}
	}
	return p
}

// mountText renders data.owner_vms: "not mounted" or the VM CIDs.
func mountText(data any) string {
	m, _ := data.(map[string]any)
	list, _ := m["owner_vms"].([]any)
	var vms []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			vms = append(vms, s)
		}
	}
	if len(vms) == 0 {
		return "not mounted"
	}
	return strings.Join(vms, ", ")
}
