package bosh

import (
	"context"
	"net/url"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

// deploymentResp is the director package's deployment row plus the lock
// flag, which the package does not decode.
type deploymentResp struct {
	boshdir.DeploymentResp
	Locked bool `json:"locked"`
}

// Deployments lists the deployments the credentials may read
// (GET /deployments?exclude_configs=true, as `bosh deployments` asks).
func (c *Client) Deployments(ctx context.Context) ([]Deployment, error) {
	const op = "list deployments"
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	resps, err := await(ctx, func() ([]deploymentResp, error) {
		var out []deploymentResp
		err := s.wire.request(ctx).Get("/deployments?exclude_configs=true", &out)
		return out, err
	})
	if err != nil {
		return nil, classify(op, c.target.URL, err)
	}
	deps := make([]Deployment, 0, len(resps))
	for _, r := range resps {
		d := Deployment{Name: r.Name, Releases: []string{}, Stemcells: []string{}, Teams: []string{}, Locked: r.Locked}
		for _, rel := range r.Releases {
			d.Releases = append(d.Releases, rel.Name+"/"+rel.Version)
		}
		for _, st := range r.Stemcells {
			d.Stemcells = append(d.Stemcells, st.Name+"/"+st.Version)
		}
		d.Teams = append(d.Teams, r.Teams...)
		deps = append(deps, d)
	}
	return deps, nil
}

// instanceResp is the director package's cheap instance row plus index
// and VM creation time, which the package does not decode.
type instanceResp struct {
	boshdir.Instance
	Index       *int   `json:"index"`
	VMCreatedAt string `json:"vm_created_at"`
}

// Instances lists a deployment's instances the cheap way
// (GET /deployments/:d/instances, no task): no process state, processes
// or vitals, and Full is false. Sorted by group, then index.
func (c *Client) Instances(ctx context.Context, dep string) ([]Instance, error) {
	op := "list instances of " + dep
	if dep == "" {
		return nil, &Error{Kind: KindConfig, Op: "list instances", Description: "no deployment named"}
	}
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	resps, err := await(ctx, func() ([]instanceResp, error) {
		var out []instanceResp
		err := s.wire.request(ctx).Get("/deployments/"+url.PathEscape(dep)+"/instances", &out)
		return out, err
	})
	if err != nil {
		return nil, classify(op, c.target.URL, err)
	}
	insts := make([]Instance, 0, len(resps))
	for _, r := range resps {
		in := Instance{
			Deployment: dep,
			Group:      r.Group,
			ID:         r.ID,
			Name:       r.Group + "/" + r.ID,
			AZ:         r.AZ,
			IPs:        append([]string{}, r.IPs...),
			VMCID:      r.VMID,
			AgentID:    r.AgentID,
			Processes:  []Process{},
		}
		if r.Index != nil {
			in.Index = *r.Index
		}
		in.VMCreatedAt, _ = boshdir.TimeParser{}.Parse(r.VMCreatedAt)
		insts = append(insts, in)
	}
	SortInstances(insts)
	return insts, nil
}
