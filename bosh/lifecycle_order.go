package bosh

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LifecycleTargets picks the instances r names from a deployment's
// listing, in listing order: all of them, a group's, or one instance (by
// index or id). Naming what the deployment does not have is KindNotFound,
// saying what it has.
func LifecycleTargets(insts []Instance, r LifecycleRequest) ([]Instance, error) {
	var groups []string
	var out []Instance
	for _, in := range insts {
		if !containsString(groups, in.Group) {
			groups = append(groups, in.Group)
		}
		switch {
		case r.Group == "":
		case in.Group != r.Group:
			continue
		case r.IndexOrID == "":
		case r.IndexOrID != in.ID && r.IndexOrID != strconv.Itoa(in.Index):
			continue
		}
		out = append(out, in)
	}
	if len(out) > 0 {
		return out, nil
	}
	e := &Error{Kind: KindNotFound, Op: r.Action}
	switch {
	case len(insts) == 0:
		e.Description = fmt.Sprintf("deployment %s has no instances", r.Deployment)
	case !containsString(groups, r.Group):
		e.Description = fmt.Sprintf("deployment %s has no instance group %q (it has %s)", r.Deployment, r.Group, strings.Join(groups, ", "))
	default:
		e.Description = fmt.Sprintf("deployment %s has no instance %s/%s", r.Deployment, r.Group, r.IndexOrID)
	}
	return nil, e
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// UpdateSettings are a deployment's canaries and max_in_flight: the
// manifest's update block, with each instance group's own overrides.
type UpdateSettings struct {
	Canaries    string
	MaxInFlight string
	Groups      map[string]UpdateSettings // per instance group, "" fields inherit
	Errands     map[string]bool           // instance groups with lifecycle errand: no state to change
}

// For is the settings of group, the command line's values first.
func (u UpdateSettings) For(group, canaries, maxInFlight string) (string, string) {
	c, m := u.Canaries, u.MaxInFlight
	if g, ok := u.Groups[group]; ok {
		c, m = firstNonEmpty(g.Canaries, c), firstNonEmpty(g.MaxInFlight, m)
	}
	return firstNonEmpty(canaries, c, "1"), firstNonEmpty(maxInFlight, m, "1")
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// DeploymentUpdateSettings reads the update settings from dep's manifest.
func (c *Client) DeploymentUpdateSettings(ctx context.Context, dep string) (UpdateSettings, error) {
	op := "read the manifest of " + dep
	s, err := c.session(ctx, op)
	if err != nil {
		return UpdateSettings{}, err
	}
	var resp struct {
		Manifest string `json:"manifest"`
	}
	_, err = await(ctx, func() (struct{}, error) {
		return struct{}{}, s.wire.request(ctx).Get("/deployments/"+dep, &resp)
	})
	if err != nil {
		return UpdateSettings{}, classify(op, c.target.URL, err)
	}
	return parseUpdateSettings(resp.Manifest)
}

type manifestUpdate struct {
	Canaries    any `yaml:"canaries"`
	MaxInFlight any `yaml:"max_in_flight"`
}

func parseUpdateSettings(manifest string) (UpdateSettings, error) {
	var m struct {
		Update         manifestUpdate `yaml:"update"`
		InstanceGroups []struct {
			Name      string          `yaml:"name"`
			Lifecycle string          `yaml:"lifecycle"`
			Update    *manifestUpdate `yaml:"update"`
		} `yaml:"instance_groups"`
	}
	if err := yaml.Unmarshal([]byte(manifest), &m); err != nil {
		return UpdateSettings{}, &Error{Kind: KindBadResponse, Description: "the deployment's manifest does not parse: " + oneLine(err.Error())}
	}
	out := UpdateSettings{Canaries: scalar(m.Update.Canaries), MaxInFlight: scalar(m.Update.MaxInFlight),
		Groups: map[string]UpdateSettings{}, Errands: map[string]bool{}}
	for _, g := range m.InstanceGroups {
		if g.Lifecycle == "errand" {
			out.Errands[g.Name] = true
		}
		if g.Update != nil {
			out.Groups[g.Name] = UpdateSettings{Canaries: scalar(g.Update.Canaries), MaxInFlight: scalar(g.Update.MaxInFlight)}
		}
	}
	return out, nil
}

func scalar(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// LifecycleBatch is instances the director updates together.
type LifecycleBatch struct {
	Group     string
	Canary    bool
	Instances []Instance
}

var percentRe = regexp.MustCompile(`^(\d+)%$`)

// numerical is the director's NumericalValueCalculator: N% of size
// (rounded down, at most size) or the plain number.
func numerical(v string, size int) int {
	if m := percentRe.FindStringSubmatch(v); m != nil {
		p, _ := strconv.Atoi(m[1])
		return min(p*size/100, size)
	}
	n, _ := strconv.Atoi(v)
	return n
}

// LifecycleOrder is the order in which a converging state change updates
// targets, as the director's InstanceGroupUpdater does: instance groups
// one after another in listing order; within a group, availability zones
// in order of first appearance; in the first zone its first instances as
// canaries, then the rest max_in_flight at a time (both worked out per
// zone from the zone's size). Errand instance groups have no state to
// change and are left out. A non-converging action is one instance.
func LifecycleOrder(targets []Instance, settings UpdateSettings, r LifecycleRequest) []LifecycleBatch {
	if r.NoConverge {
		if len(targets) == 0 {
			return nil
		}
		return []LifecycleBatch{{Group: targets[0].Group, Instances: targets[:1]}}
	}
	var groups []string
	byGroup := map[string][]Instance{}
	for _, in := range targets {
		if settings.Errands[in.Group] {
			continue
		}
		if _, ok := byGroup[in.Group]; !ok {
			groups = append(groups, in.Group)
		}
		byGroup[in.Group] = append(byGroup[in.Group], in)
	}
	var out []LifecycleBatch
	for _, g := range groups {
		canaries, mif := settings.For(g, r.Canaries, r.MaxInFlight)
		var azs []string
		byAZ := map[string][]Instance{}
		for _, in := range byGroup[g] {
			if _, ok := byAZ[in.AZ]; !ok {
				azs = append(azs, in.AZ)
			}
			byAZ[in.AZ] = append(byAZ[in.AZ], in)
		}
		for i, az := range azs {
			list := byAZ[az]
			sort.SliceStable(list, func(a, b int) bool { return list[a].Index < list[b].Index })
			batch := max(numerical(mif, len(list)), 1)
			if i == 0 {
				n := max(min(numerical(canaries, len(list)), len(list)), 0)
				out = append(out, batches(g, true, list[:n], batch)...)
				list = list[n:]
			}
			out = append(out, batches(g, false, list, batch)...)
		}
	}
	return out
}

func batches(group string, canary bool, list []Instance, size int) []LifecycleBatch {
	var out []LifecycleBatch
	for len(list) > 0 {
		n := min(size, len(list))
		out = append(out, LifecycleBatch{Group: group, Canary: canary, Instances: list[:n]})
		list = list[n:]
	}
	return out
}
