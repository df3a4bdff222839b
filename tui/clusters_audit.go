package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/pks"
)

// loadAudit asks the cache for the audit states of the listed cluster
// deployments, unless it was asked for the same ones already (force:
// ask again, the audit screen may have changed them).
func (s *clustersScreen) loadAudit(force bool) tea.Cmd {
	h, uuid := s.c.auditHistory(), s.c.uuid()
	if h == nil || uuid == "" {
		return nil
	}
	var deps []string
	for i := range s.set.all {
		if d := s.set.all[i].e.Deployment; d != "" {
			deps = append(deps, d)
		}
	}
	slices.Sort(deps)
	asked := uuid + "\x00" + strings.Join(deps, "\x00")
	if len(deps) == 0 || (!force && asked == s.auditAsked) {
		return nil
	}
	s.auditAsked = asked
	return loadClusterAudit(h, uuid, deps, s.sid)
}

func (s *clustersScreen) onAudit(m clusterAuditMsg) {
	if m.uuid != s.c.uuid() {
		return
	}
	if m.err != nil {
		s.auditErr = m.err
		return
	}
	s.auditErr, s.audit = nil, m.states
	s.Reload()
}

// auditCell is the AUDIT column: on, off or mixed as bosun last left the
// masters, "-" when bosun never changed them.
func auditCell(r *clusterRow) cell {
	switch st := r.auditState; {
	case r.e.Deployment == "" || st == "":
		return cell{text: "-", role: roleFaint}
	case st == pks.AuditMixed:
		return cell{text: st, role: roleWarn}
	default:
		return cell{text: st}
	}
}

// jumpKey opens the logs fetch of the cluster's master group (L) or its
// audit screen (A). Neither changes the foundation: L downloads logs, A
// reads the audit flags (its enable and disable keys are the mutating ones).
func (s *clustersScreen) jumpKey(m tea.KeyMsg, e *pks.Entry) (tea.Cmd, bool) {
	logs := key.Matches(m, s.keys.MasterLogs)
	audit := key.Matches(m, s.keys.Audit)
	if !logs && !audit {
		return nil, false
	}
	switch {
	case e.Deployment == "" || e.Link == pks.LinkNoDeployment:
		return status(e.Name+" has no deployment yet: no masters", true), true
	case !s.c.online():
		return status("this needs the director (offline)", true), true
	case audit && s.c.opts.Audit == nil:
		return status("audit flags are not wired in this session", true), true
	case audit:
		return pushScreen(newAuditScreen(s.c, e.Deployment), false), true
	case s.c.logsFetcher() == nil:
		return status("offline: logs can only be fetched from the director", true), true
	}
	req := bosh.LogsRequest{Deployment: e.Deployment, Instance: "master", Dir: logsDir()}
	return pushScreen(newFetchScreen(s.c, req), false), true
}
