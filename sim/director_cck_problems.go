package sim

import (
	"fmt"
	"strings"
)

// Problem types and states (director v280).
const (
	probMissingVM         = "missing_vm"
	probUnresponsiveAgent = "unresponsive_agent"
	probMissingDisk       = "missing_disk"
	probInactiveDisk      = "inactive_disk"
	probMountInfoMismatch = "mount_info_mismatch"
	probInvalid           = "invalid_problem"

	problemOpen     = "open"
	problemClosed   = "closed"
	problemResolved = "resolved"
)

// problem is a deployment_problems row.
type problem struct {
	id    int
	typ   string
	inst  *cckInstance // instance problems
	disk  *cckDisk     // disk problems
	data  map[string]any
	state string
}

// resourceID is the database id of the instance or disk the problem is about.
func (p *problem) resourceID() int {
	if p.disk != nil {
		return p.disk.dbID
	}
	return p.inst.dbID
}

// resolution is one way to resolve a problem.
type resolution struct {
	Name string `json:"name"`
	Plan string `json:"plan"`
}

// problemHandler is what the director's problem handler says about a problem in
// the current state: its description, resolutions and auto resolution.
type problemHandler struct {
	description string
	resolutions []resolution
	auto        string
}

func (h *problemHandler) plan(name string) (string, bool) {
	for _, r := range h.resolutions {
		if r.Name == name {
			return r.Plan, true
		}
	}
	return "", false
}

var (
	resIgnore         = resolution{"ignore", "Skip for now"}
	resRecreateNoWait = resolution{"recreate_vm_without_wait", "Recreate VM without waiting for processes to start"}
	resRecreate       = resolution{"recreate_vm", "Recreate VM and wait for processes to start"}
)

// handlerFor builds the problem's handler as it stands now. A handler that
// can no longer be built is the error the director turns into
// invalid_problem.
func (w *cckWorld) handlerFor(cd *cckDeployment, p *problem) (*problemHandler, error) {
	switch p.typ {
	case probMissingVM:
		return &problemHandler{
			description: "VM for '" + instanceText(p.inst) + "'" + withCloudID(p.inst.vmCID()) + " missing.",
			resolutions: []resolution{resIgnore, resRecreateNoWait, resRecreate, {"delete_vm_reference", "Delete VM reference"}},
			auto:        resRecreateNoWait.Name,
		}, nil
	case probUnresponsiveAgent:
		if p.inst.vmCID() == "" {
			return nil, fmt.Errorf("VM '' is no longer in the database")
		}
		if p.inst.agentID() == "" {
			return nil, fmt.Errorf("VM '%s' doesn't have an agent id", p.inst.vmCID())
		}
		return &problemHandler{
			description: "VM for '" + instanceText(p.inst) + "'" + withCloudID(p.inst.vmCID()) + " is not responding.",
			resolutions: []resolution{resIgnore, {"reboot_vm", "Reboot VM"}, resRecreateNoWait, resRecreate,
				{"delete_vm", "Delete VM"},
				{"delete_vm_reference", "Delete VM reference (forceful; may need to manually delete VM from the Cloud to avoid IP conflicts)"}},
			auto: resIgnore.Name,
		}, nil
	case probMissingDisk:
		if p.disk.gone {
			return nil, fmt.Errorf("Disk '%d' is no longer in the database", p.disk.dbID)
		}
		in := p.disk.owner.in
		return &problemHandler{
			description: fmt.Sprintf("Disk '%s' (%s, %dM) is missing", p.disk.cid, in.name(), p.disk.sizeMB),
			resolutions: []resolution{resIgnore, {"delete_disk_reference", "Delete disk reference (DANGEROUS!)"}},
			auto:        resIgnore.Name,
		}, nil
	case probInactiveDisk:
		if p.disk.gone {
			return nil, fmt.Errorf("Disk '%d' is no longer in the database", p.disk.dbID)
		}
		if p.disk.active {
			return nil, fmt.Errorf("Disk '%s' is no longer inactive", p.disk.cid)
		}
		return &problemHandler{
			description: fmt.Sprintf("Disk '%s' (%dM) for instance '%s' is inactive", p.disk.cid, p.disk.sizeMB, instanceText(p.disk.owner)),
			resolutions: []resolution{resIgnore, {"delete_disk", "Delete disk"}, {"activate_disk", "Activate disk"}},
			auto:        resIgnore.Name,
		}, nil
	case probMountInfoMismatch:
		if p.disk.gone {
			return nil, fmt.Errorf("Disk '%d' is no longer in the database", p.disk.dbID)
		}
		if p.disk.owner.vmCID() == "" {
			return nil, fmt.Errorf("Can't find corresponding vm-cid for disk '%s'", p.disk.cid)
		}
		return &problemHandler{
			description: mountMismatchText(p.disk.cid, p.disk.owner.vmCID(), ownerVMs(p.data)),
			resolutions: []resolution{{"ignore", "Ignore"}, {"reattach_disk", "Reattach disk to instance"},
				{"reattach_disk_and_reboot", "Reattach disk and reboot instance"}},
			auto: "ignore",
		}, nil
	}
	return nil, fmt.Errorf("unknown problem type '%s'", p.typ)
}

// invalidHandler stands in for a problemHandler that cannot be built any more.
func invalidHandler(p *problem, err error) *problemHandler {
	return &problemHandler{
		description: fmt.Sprintf("Problem (%s %d) is no longer valid: %s", p.typ, p.resourceID(), err),
		resolutions: []resolution{{"close", "Close problem"}},
		auto:        "close",
	}
}

// instanceText is how the director prints an instance: "group/uuid (index)".
func instanceText(ci *cckInstance) string {
	return fmt.Sprintf("%s (%d)", ci.in.name(), ci.in.Index)
}

func withCloudID(cid string) string {
	if cid == "" {
		return ""
	}
	return " with cloud ID '" + cid + "'"
}

func mountMismatchText(diskCID, vmCID string, owners []string) string {
	var b strings.Builder
	b.WriteString("Inconsistent mount information:\n")
	fmt.Fprintf(&b, "Record shows that disk '%s' should be mounted on %s.\n", diskCID, vmCID)
	b.WriteString("However it is currently :\n")
	if len(owners) == 0 {
		b.WriteString("\tNot mounted in any VM")
	} else {
		b.WriteString("\tMounted on: " + strings.Join(owners, ", "))
	}
	return b.String()
}

func ownerVMs(data map[string]any) []string {
	list, _ := data["owner_vms"].([]string)
	return list
}

// problemJSON is one element of GET /deployments/:d/problems.
type problemJSON struct {
	ID            int            `json:"id"`
	Type          string         `json:"type"`
	Data          map[string]any `json:"data"`
	Description   string         `json:"description"`
	Resolutions   []resolution   `json:"resolutions"`
	InstanceGroup string         `json:"instance_group"`
}

// openProblemsJSON lists the deployment's open problems in creation order.
// Call with w.mu held.
func (w *cckWorld) openProblemsJSON(cd *cckDeployment) []problemJSON {
	out := []problemJSON{}
	for _, p := range cd.problems {
		if p.state != problemOpen {
			continue
		}
		h, err := w.handlerFor(cd, p)
		if err != nil {
			h = invalidHandler(p, err)
		}
		group := ""
		if p.inst != nil {
			group = p.inst.in.Group.Name
		} else {
			group = p.disk.owner.in.Group.Name
		}
		data := p.data
		if data == nil {
			data = map[string]any{}
		}
		out = append(out, problemJSON{ID: p.id, Type: p.typ, Data: data, Description: h.description,
			Resolutions: h.resolutions, InstanceGroup: group})
	}
	return out
}
