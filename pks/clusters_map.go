package pks

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Operators name clusters; BOSH knows service-instance_<uuid>. This file
// joins the two (shared/reference/pks.md §1.5).

// ControlPlanePrefix starts the PKS tile's own deployment:
// pivotal-container-service-<20 hex>.
const ControlPlanePrefix = "pivotal-container-service-"

var controlPlaneRe = regexp.MustCompile(`^pivotal-container-service-[0-9a-f]{20}$`)

// DeploymentName is the BOSH deployment of the cluster with this uuid.
func DeploymentName(uuid string) string { return ClusterDeploymentPrefix + strings.ToLower(uuid) }

// UUIDFromDeployment is the cluster uuid in a service-instance_ name.
func UUIDFromDeployment(dep string) (string, bool) {
	if !strings.HasPrefix(dep, ClusterDeploymentPrefix) || len(dep) == len(ClusterDeploymentPrefix) {
		return "", false
	}
	return dep[len(ClusterDeploymentPrefix):], true
}

// IsControlPlane says whether dep is the PKS control plane deployment.
func IsControlPlane(dep string) bool { return controlPlaneRe.MatchString(dep) }

// ControlPlane finds the PKS control plane among deployment names, "" if
// there is none.
func ControlPlane(deps []string) string {
	for _, d := range deps {
		if IsControlPlane(d) {
			return d
		}
	}
	return ""
}

// Link says how a cluster and a deployment go together.
type Link string

const (
	LinkOK           Link = "ok"            // cluster and deployment both exist
	LinkNoDeployment Link = "no-deployment" // in the PKS API, not on the director (yet)
	LinkOrphan       Link = "orphan"        // a service-instance_ deployment no cluster names
	LinkUnchecked    Link = "unchecked"     // the director's deployments are not known
	LinkNameUnknown  Link = "name-unknown"  // the PKS API is not known: a deployment without its cluster's name
)

// Label is the words an operator reads for the link, "" when all is well.
func (l Link) Label() string {
	switch l {
	case LinkNoDeployment:
		return "no deployment yet"
	case LinkOrphan:
		return "orphan deployment"
	case LinkUnchecked:
		return "deployment not checked"
	case LinkNameUnknown:
		return "PKS API not reached"
	}
	return ""
}

// Entry is one cluster, one cluster deployment, or both.
type Entry struct {
	Name       string   // the cluster's name; for an orphan, its deployment name
	UUID       string   // lower case
	Deployment string   // "" when the deployment does not exist (yet)
	Cluster    *Cluster // nil for an orphan or a deployment whose cluster is unknown
	Link       Link
}

// Join maps clusters to the director's deployments. With depsKnown false
// (director unreachable) each cluster keeps its expected deployment name
// unchecked. Orphans (service-instance_ deployments no cluster names) are
// added after the clusters. Both parts are sorted by name.
func Join(clusters []Cluster, deployments []string, depsKnown bool) []Entry {
	have := make(map[string]bool, len(deployments))
	for _, d := range deployments {
		have[d] = true
	}
	out := make([]Entry, 0, len(clusters)+1)
	named := make(map[string]bool, len(clusters))
	for i := range clusters {
		c := &clusters[i]
		dep := c.Deployment()
		named[dep] = true
		e := Entry{Name: c.Name, UUID: strings.ToLower(c.UUID), Cluster: c, Deployment: dep, Link: LinkOK}
		switch {
		case !depsKnown:
			e.Link = LinkUnchecked
		case !have[dep]:
			e.Deployment, e.Link = "", LinkNoDeployment
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	var orphans []Entry
	for _, d := range deployments {
		uuid, ok := UUIDFromDeployment(d)
		if ok && !named[d] {
			orphans = append(orphans, Entry{Name: d, UUID: uuid, Deployment: d, Link: LinkOrphan})
		}
	}
	sort.Slice(orphans, func(i, j int) bool { return orphans[i].Name < orphans[j].Name })
	return append(out, orphans...)
}

// FromDeployments lists the cluster deployments alone, for when the PKS
// API cannot be asked and nothing is cached: names are unknown.
func FromDeployments(deployments []string) []Entry {
	var out []Entry
	for _, d := range deployments {
		if uuid, ok := UUIDFromDeployment(d); ok {
			out = append(out, Entry{Name: d, UUID: uuid, Deployment: d, Link: LinkNameUnknown})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Resolve finds the entry an operator means: a cluster name, a uuid or a
// deployment name (case-insensitive for uuid and deployment).
func Resolve(arg string, entries []Entry) (Entry, error) {
	a := strings.TrimSpace(arg)
	if a == "" {
		return Entry{}, fmt.Errorf("no cluster given")
	}
	low := strings.ToLower(a)
	for _, e := range entries {
		if e.Name == a {
			return e, nil
		}
	}
	uuid, isDep := UUIDFromDeployment(low)
	for _, e := range entries {
		if e.UUID == low || isDep && e.UUID == uuid {
			return e, nil
		}
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name)
	}
	if len(names) == 0 {
		return Entry{}, fmt.Errorf("no cluster %q: no clusters are known", a)
	}
	return Entry{}, fmt.Errorf("no cluster %q (a name, uuid or service-instance_ deployment); known: %s", a, strings.Join(names, ", "))
}
