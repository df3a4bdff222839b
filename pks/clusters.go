package pks

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"sort"
	"strconv"
)

// Cluster is the PKS API's Cluster object (shared/reference/pks.md
// §1.4.1), parsed leniently: absent, empty and null are the same.
type Cluster struct {
	Name                  string     `json:"name"`
	PlanName              string     `json:"plan_name"`
	UUID                  string     `json:"uuid"`
	LastAction            string     `json:"last_action"`
	LastActionState       string     `json:"last_action_state"` // succeeded, failed, "in progress"
	LastActionDescription string     `json:"last_action_description"`
	KubernetesMasterIPs   []string   `json:"kubernetes_master_ips"` // ["In Progress"] while creating
	NetworkProfileName    string     `json:"network_profile_name,omitempty"`
	ComputeProfileName    string     `json:"compute_profile_name,omitempty"`
	KubernetesProfileName string     `json:"kubernetes_profile_name,omitempty"`
	K8sVersion            string     `json:"k8s_version,omitempty"`
	PKSVersion            string     `json:"pks_version,omitempty"`
	Parameters            Parameters `json:"parameters"`
}

// Parameters are the cluster parameters bosun uses.
type Parameters struct {
	MasterHost      string `json:"kubernetes_master_host,omitempty"`
	MasterPort      int    `json:"kubernetes_master_port,omitempty"`
	WorkerInstances int    `json:"kubernetes_worker_instances,omitempty"`
}

// UnmarshalJSON reads numbers that may come as numbers, strings or null.
func (p *Parameters) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		if string(b) == "null" {
			return nil
		}
		return err
	}
	json.Unmarshal(raw["kubernetes_master_host"], &p.MasterHost)
	p.MasterPort = flexInt(raw["kubernetes_master_port"])
	p.WorkerInstances = flexInt(raw["kubernetes_worker_instances"])
	return nil
}

func flexInt(m json.RawMessage) int {
	var n json.Number
	if json.Unmarshal(m, &n) == nil {
		if i, err := n.Int64(); err == nil {
			return int(i)
		}
	}
	var s string
	if json.Unmarshal(m, &s) == nil {
		i, _ := strconv.Atoi(s)
		return i
	}
	return 0
}

// Action states as the API spells them.
const (
	StateSucceeded  = "succeeded"
	StateFailed     = "failed"
	StateInProgress = "in progress"
)

// MasterIPs are the master addresses that are addresses: while a cluster
// is being created the API says ["In Progress"] instead.
func (c Cluster) MasterIPs() []string {
	var out []string
	for _, s := range c.KubernetesMasterIPs {
		if net.ParseIP(s) != nil {
			out = append(out, s)
		}
	}
	return out
}

// Deployment is the cluster's BOSH deployment name.
func (c Cluster) Deployment() string { return DeploymentName(c.UUID) }

// ClusterPlan is a PKS plan. Its privileged-containers key is hyphenated.
type ClusterPlan struct {
	ID                        string `json:"id"`
	Name                      string `json:"name"`
	Description               string `json:"description"`
	WorkerInstances           int    `json:"worker_instances"`
	MasterInstances           int    `json:"master_instances"`
	AllowPrivilegedContainers bool   `json:"allow-privileged-containers"`
}

// Kubeconfig is what binds returns: a kubeconfig as JSON. It holds a
// token; never cache or log it.
type Kubeconfig struct {
	APIVersion     string `json:"apiVersion"`
	Kind           string `json:"kind"`
	CurrentContext string `json:"current-context"`
	Clusters       []struct {
		Name    string `json:"name"`
		Cluster struct {
			Server                   string `json:"server"`
			CertificateAuthorityData string `json:"certificate-authority-data"`
		} `json:"cluster"`
	} `json:"clusters"`
	Contexts []struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	} `json:"contexts"`
	Users []struct {
		Name string `json:"name"`
		User struct {
			Token string `json:"token"`
		} `json:"user"`
	} `json:"users"`
}

// Usage is one owner's resource allocation (GET /v1/usages), not the
// billing database's pod figures.
type Usage struct {
	Owner  string `json:"owner"`
	Totals struct {
		CPU     int     `json:"cpu"`
		Memory  float64 `json:"memory"`
		Cluster int     `json:"cluster"`
	} `json:"totals"`
	Clusters []struct {
		Name   string  `json:"name"`
		CPU    int     `json:"cpu"`
		Memory float64 `json:"memory"`
	} `json:"clusters"`
}

// Clusters lists every cluster, sorted by name.
func (c *Client) Clusters(ctx context.Context) ([]Cluster, error) {
	var out []Cluster
	if err := c.call(ctx, "list clusters", "GET", "/v1/clusters", nil, &out); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Cluster is one cluster by name (the API's path key).
func (c *Client) Cluster(ctx context.Context, name string) (Cluster, error) {
	var out Cluster
	err := c.call(ctx, "cluster "+name, "GET", "/v1/clusters/"+url.PathEscape(name), nil, &out)
	return out, err
}

// ClusterDetails is the cluster with the extra parameters of
// /v1/clusterdetails.
func (c *Client) ClusterDetails(ctx context.Context, name string) (Cluster, error) {
	var out Cluster
	err := c.call(ctx, "cluster details "+name, "GET", "/v1/clusterdetails/"+url.PathEscape(name), nil, &out)
	return out, err
}

// Plans lists the plans.
func (c *Client) Plans(ctx context.Context) ([]ClusterPlan, error) {
	var out []ClusterPlan
	err := c.call(ctx, "list plans", "GET", "/v1/plans", nil, &out)
	return out, err
}

// Credentials fetches a kubeconfig for the cluster, as `tkgi
// get-credentials` does.
func (c *Client) Credentials(ctx context.Context, name string) (Kubeconfig, error) {
	var out Kubeconfig
	err := c.call(ctx, "credentials of "+name, "POST", "/v1/clusters/"+url.PathEscape(name)+"/binds", nil, &out)
	return out, err
}

// Usages lists resource allocations per owner.
func (c *Client) Usages(ctx context.Context) ([]Usage, error) {
	var out []Usage
	err := c.call(ctx, "list usages", "GET", "/v1/usages", nil, &out)
	return out, err
}
