package bosh

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PKS control plane names: the tile's deployment is
// pivotal-container-service-<20 hex> and its API VM's instance group is
// pivotal-container-service, which operators call "pks".
const (
	pksDeploymentPrefix = "pivotal-container-service-"
	pksGroup            = "pivotal-container-service"
	pksAlias            = "pks"
)

// LogsTarget is what a logs fetch asks the director for: one instance
// (Group and IndexOrID), a whole instance group (IndexOrID empty) or the
// whole deployment (both empty).
type LogsTarget struct {
	Deployment string
	Group      string
	IndexOrID  string
}

// Label is the target as an operator writes it: "group/0", "group" or ""
// for the whole deployment.
func (t LogsTarget) Label() string {
	if t.IndexOrID != "" {
		return t.Group + "/" + t.IndexOrID
	}
	return t.Group
}

// IsPKSAlias says whether arg names the PKS API VM by its short name
// ("pks" or "pks/N").
func IsPKSAlias(arg string) bool {
	g, _, _ := strings.Cut(arg, "/")
	return g == pksAlias
}

// IsPKSDeployment says whether name is a PKS control plane deployment.
func IsPKSDeployment(name string) bool { return strings.HasPrefix(name, pksDeploymentPrefix) }

// ResolveLogsTarget checks arg ("group", "group/index", "group/uuid", or ""
// for the whole deployment) against the deployment's instances and
// returns the target. In a PKS control plane deployment "pks" stands for
// the pivotal-container-service group. An unknown group or instance is a
// KindNotFound error naming what the deployment has.
func ResolveLogsTarget(dep string, insts []Instance, arg string) (LogsTarget, error) {
	t := LogsTarget{Deployment: dep}
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return t, nil
	}
	group, idx, _ := strings.Cut(arg, "/")
	groups := map[string][]Instance{}
	for _, in := range insts {
		groups[in.Group] = append(groups[in.Group], in)
	}
	if _, ok := groups[group]; !ok && group == pksAlias && IsPKSDeployment(dep) {
		if _, ok := groups[pksGroup]; ok {
			group = pksGroup
		}
	}
	members, ok := groups[group]
	if !ok {
		names := make([]string, 0, len(groups))
		for g := range groups {
			names = append(names, g)
		}
		sort.Strings(names)
		desc := fmt.Sprintf("deployment %s has no instance group %q", dep, group)
		if len(names) > 0 {
			desc += "; its instance groups are: " + strings.Join(names, ", ")
		} else {
			desc += "; it has no instances"
		}
		return t, &Error{Kind: KindNotFound, Op: "fetch logs", Description: desc}
	}
	t.Group = group
	if idx == "" {
		for _, in := range members {
			if in.VMCID != "" || in.AgentID != "" {
				return t, nil
			}
		}
		return t, &Error{Kind: KindNotFound, Op: "fetch logs", Description: fmt.Sprintf("no instance of %s in %s has a VM, so there are no logs to fetch", group, dep)}
	}
	n, numErr := strconv.Atoi(idx)
	for _, in := range members {
		if (numErr == nil && in.Index == n) || in.ID == idx {
			if in.VMCID == "" && in.AgentID == "" {
				return t, &Error{Kind: KindNotFound, Op: "fetch logs", Description: fmt.Sprintf("instance %s/%s in %s has no VM, so there are no logs to fetch", group, idx, dep)}
			}
			t.IndexOrID = idx
			return t, nil
		}
	}
	var have []string
	for _, in := range members {
		have = append(have, fmt.Sprintf("%s/%d (%s)", group, in.Index, in.ID))
	}
	return t, &Error{Kind: KindNotFound, Op: "fetch logs", Description: fmt.Sprintf(
		"deployment %s has no instance %s/%s; %s has %s", dep, group, idx, group, strings.Join(have, ", "))}
}

// BundleFileName is the file name the bosh CLI gives a logs bundle:
// <deployment>[.<group>[.<index-or-id>]]-<YYYYMMDD-HHMMSS-nanos>.tgz, the
// fraction of the second without trailing zeros.
func BundleFileName(t LogsTarget, at time.Time) string {
	stamp := strings.ReplaceAll(at.Format("20060102-150405.999999999"), ".", "-")
	return bundleBase(t) + "-" + stamp + ".tgz"
}

// bundleBase is <deployment>[.<group>[.<index-or-id>]].
func bundleBase(t LogsTarget) string {
	name := t.Deployment
	if t.Group != "" {
		name += "." + t.Group
	}
	if t.IndexOrID != "" {
		name += "." + t.IndexOrID
	}
	return name
}
