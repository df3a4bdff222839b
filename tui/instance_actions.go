package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// instanceKeys are the actions on one instance, bound on the instances
// screen (the instance under the cursor) and the processes screen (the
// instance shown).
type instanceKeys struct {
	Logs      key.Binding // its logs
	GroupLogs key.Binding // its instance group's logs
	Shell     key.Binding // a shell on it; creates a user on the VM
	Audit     key.Binding // the kube-apiserver audit flags of its cluster
	lifecycleKeys
}

func newInstanceKeys(readOnly bool) instanceKeys {
	return instanceKeys{
		Logs:      logsKey(),
		GroupLogs: groupLogsKey("group logs"),
		Shell:     mutating(shellKey(), readOnly),
		Audit:     auditKey(),

		lifecycleKeys: newLifecycleKeys(readOnly),
	}
}

func (k instanceKeys) column() []key.Binding {
	return append([]key.Binding{k.Logs, k.GroupLogs, k.Shell, k.Audit}, k.lifecycleKeys.column()...)
}

// act runs the action msg names on instance in (nil when none is
// selected) of deployment dep; ok is false when msg names none.
func (k instanceKeys) act(c *common, msg tea.KeyMsg, in *bosh.Instance, dep string) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, k.Logs):
		return fetchInstanceLogs(c, in, false), true
	case key.Matches(msg, k.GroupLogs):
		return fetchInstanceLogs(c, in, true), true
	case key.Matches(msg, k.Shell):
		return openShell(c, in), true
	case key.Matches(msg, k.Audit):
		return openAudit(c, dep), true
	}
	if in == nil && k.lifecycleKeys.action(msg) != "" {
		return status("no instance selected", true), true
	}
	return k.lifecycleKeys.act(c, msg, in, dep)
}

// fetchInstanceLogs opens the logs fetch of in, or of its instance group.
func fetchInstanceLogs(c *common, in *bosh.Instance, group bool) tea.Cmd {
	if in == nil {
		return status("no instance selected", true)
	}
	if c.logsFetcher() == nil {
		return status("offline: logs can only be fetched from the director", true)
	}
	req := bosh.LogsRequest{Deployment: in.Deployment, Instance: instanceGroup(in) + "/" + instanceKeyID(in), Dir: logsDir()}
	if group {
		req.Instance = instanceGroup(in)
	}
	return pushScreen(newFetchScreen(c, req), false)
}

// openShell releases the terminal for a shell on in.
func openShell(c *common, in *bosh.Instance) tea.Cmd {
	switch {
	case in == nil:
		return status("no instance selected", true)
	case c.opts.Shell == nil || !c.online():
		return status("offline: a shell needs the director", true)
	case in.VMCID == "" && in.ProcessState == "":
		return status(in.Name+" has no VM", true)
	}
	return shell(c.opts.Shell, in.Deployment, instanceGroup(in)+"/"+instanceKeyID(in))
}

// openAudit opens the audit screen of a cluster's deployment.
func openAudit(c *common, dep string) tea.Cmd {
	switch {
	case !strings.HasPrefix(dep, "service-instance_"):
		return status("audit flags are for PKS clusters (service-instance_… deployments)", true)
	case c.opts.Audit == nil || !c.online():
		return status("offline: audit flags need the director and SSH", true)
	}
	return pushScreen(newAuditScreen(c, dep), false)
}
