package tui

import (
	"strconv"
	"strings"

	"bosun/pks"
)

// How the clusters screen renders and sorts its rows.

// clusterActionText is the PKS API's last action and its state.
func clusterActionText(e pks.Entry) string {
	if e.Cluster == nil {
		return "-"
	}
	return orDash(strings.TrimSpace(e.Cluster.LastAction + " " + e.Cluster.LastActionState))
}

// mastersText is the master IPs from the API (its "In Progress" while a
// cluster is created), else from the deployment.
func mastersText(r *clusterRow) string {
	if c := r.e.Cluster; c != nil {
		if ips := c.MasterIPs(); len(ips) > 0 {
			return strings.Join(ips, ",")
		}
		if len(c.KubernetesMasterIPs) > 0 {
			return strings.Join(c.KubernetesMasterIPs, ",")
		}
	}
	return orDash(strings.Join(r.masters, ","))
}

// workersCell is "running/total" when process states are known, else the
// count the API or the deployment gives.
func workersCell(r *clusterRow) string {
	switch {
	case r.hasState && r.roll.Workers > 0:
		return strconv.Itoa(r.roll.WorkersRunning) + "/" + strconv.Itoa(r.roll.Workers)
	case r.roll.Workers > 0:
		return strconv.Itoa(r.roll.Workers)
	case r.e.Cluster != nil && r.e.Cluster.Parameters.WorkerInstances > 0:
		return strconv.Itoa(r.e.Cluster.Parameters.WorkerInstances)
	}
	return "-"
}

// clusterHealthSpans is the health column: the instances by state, or why
// there is nothing to show.
func clusterHealthSpans(r *clusterRow) []span {
	switch {
	case r.e.Link == pks.LinkNoDeployment:
		return []span{{text: "no deployment yet", role: roleWarn}}
	case r.e.Deployment == "":
		return []span{{text: "-", role: roleFaint}}
	case !r.hasState:
		return []span{{text: lookNoDetails.String(), role: roleFaint}}
	case r.roll.State == pks.HealthDown:
		return append([]span{{text: "DOWN ", role: roleErr}}, healthSpans(r.health, true)...)
	}
	return healthSpans(r.health, true)
}

// deploymentText is the deployment, or the label of what is odd about it.
func deploymentText(e pks.Entry) string {
	switch e.Link {
	case pks.LinkNoDeployment, pks.LinkOrphan, pks.LinkNameUnknown:
		return e.Link.Label()
	case pks.LinkUnchecked:
		return e.Deployment + " (unchecked)"
	}
	return orDash(e.Deployment)
}

func compareClusterRows(a, b *clusterRow, col int) int {
	switch col {
	case clColPlan:
		return strings.Compare(planOf(a), planOf(b))
	case clColAction:
		return strings.Compare(clusterActionText(a.e), clusterActionText(b.e))
	case clColWorkers:
		return a.roll.Workers - b.roll.Workers
	case clColHealth:
		return clusterScore(a) - clusterScore(b)
	case clColDeployment:
		return strings.Compare(deploymentText(a.e), deploymentText(b.e))
	case clColAudit:
		return strings.Compare(a.auditState, b.auditState)
	}
	return strings.Compare(a.e.Name, b.e.Name)
}

func planOf(r *clusterRow) string {
	if r.e.Cluster == nil {
		return ""
	}
	return r.e.Cluster.PlanName
}

// clusterScore orders the worst clusters first.
func clusterScore(r *clusterRow) int {
	if !r.hasState {
		return 0
	}
	h := r.health
	down := 0
	if r.roll.State == pks.HealthDown {
		down = 1
	}
	return -(down*1_000_000_000 + h.Failing*1_000_000 + h.Unresponsive*1_000 + h.Stopped)
}

// Len and Cell make the screen the table's source.
func (s *clustersScreen) Len() int { return s.set.Len() }

func (s *clustersScreen) Cell(i, col, _ int) cell {
	r := s.set.at(i)
	switch col {
	case clColName:
		c := cell{text: r.e.Name}
		switch r.e.Link {
		case pks.LinkOrphan:
			c.text, c.role = r.e.Name+" (orphan)", roleWarn
		case pks.LinkNameUnknown:
			c.role = roleFaint
		}
		return c
	case clColPlan:
		return cell{text: orDash(planOf(r))}
	case clColAction:
		c := cell{text: clusterActionText(r.e)}
		if r.e.Cluster != nil {
			switch r.e.Cluster.LastActionState {
			case pks.StateFailed:
				c.role = roleErr
			case pks.StateInProgress:
				c.role = roleWarn
			}
		}
		return c
	case clColMasters:
		return cell{text: mastersText(r)}
	case clColWorkers:
		return cell{text: workersCell(r)}
	case clColHealth:
		sp := clusterHealthSpans(r)
		if mark := s.c.cckMark(r.e.Deployment); mark != "" && r.e.Deployment != "" {
			sp = append(sp, span{text: mark, role: roleWarn})
		}
		return cell{spans: sp}
	case clColAudit:
		return auditCell(r)
	case clColDeployment:
		c := cell{text: deploymentText(r.e), role: roleFaint}
		switch r.e.Link {
		case pks.LinkNoDeployment, pks.LinkOrphan:
			c.role = roleWarn
		}
		return c
	}
	return cell{}
}
