package sim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// The PKS API's v1 endpoints (shared/reference/pks.md §1.3): JSON in and
// out, bearer tokens from the PKS UAA, errors as {"body": "..."}. Quotas,
// usages and clusters are also served under /v1beta1 as PKS 1.4-1.5 did.

var (
	pksReadScopes  = []string{"pks.clusters.admin", "pks.clusters.manage", "pks.clusters.admin.read"}
	pksCredsScopes = []string{"pks.clusters.admin", "pks.clusters.manage"}
)

const pksPrivilegeMsg = "You do not have enough privileges to perform this action. Please contact the TKGI administrator."

func pksError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, "application/json", map[string]string{"body": msg})
}

// servePKSAPI authenticates the bearer token, then dispatches on the path.
func (f *Foundation) servePKSAPI(w http.ResponseWriter, r *http.Request) {
	if !f.delay(w, r) {
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || (parts[0] != "v1" && parts[0] != "v1beta1") {
		f.countRequest("PKS unmatched")
		pksError(w, http.StatusNotFound, "Not Found")
		return
	}
	route := r.Method + " /" + parts[0] + "/" + parts[1]
	p := f.pksPrincipal(r)
	if p == nil {
		f.countRequest("PKS " + route + " (401)")
		w.Header().Set("WWW-Authenticate", `Bearer realm="pks", error="invalid_token"`)
		pksError(w, http.StatusUnauthorized, "Full authentication is required to access this resource")
		return
	}
	f.countRequest("PKS " + route)
	if !p.hasAny(pksReadScopes) {
		pksError(w, http.StatusForbidden, pksPrivilegeMsg)
		return
	}
	rest := parts[2:]
	switch {
	case parts[1] == "clusters" && r.Method == http.MethodGet && len(rest) == 0:
		f.pksListClusters(w)
	case parts[1] == "clusters" && r.Method == http.MethodGet && len(rest) == 1:
		f.pksGetCluster(w, rest[0], false)
	case parts[1] == "clusterdetails" && r.Method == http.MethodGet && len(rest) == 1:
		f.pksGetCluster(w, rest[0], true)
	case parts[1] == "clusters" && len(rest) >= 2 && rest[1] == "binds" &&
		(r.Method == http.MethodPost && len(rest) == 2 || r.Method == http.MethodGet && len(rest) == 3):
		if !p.hasAny(pksCredsScopes) {
			pksError(w, http.StatusForbidden, pksPrivilegeMsg)
			return
		}
		f.pksBind(w, rest[0], p)
	case parts[1] == "plans" && r.Method == http.MethodGet && len(rest) == 0:
		writeJSON(w, http.StatusOK, "application/json", pksPlans)
	case parts[1] == "quotas" && r.Method == http.MethodGet:
		f.pksQuotas(w, rest)
	case parts[1] == "usages" && r.Method == http.MethodGet:
		f.pksUsages(w, rest)
	case parts[1] == "clusters" || parts[1] == "quotas":
		pksError(w, http.StatusMethodNotAllowed, "The simulated PKS API does not change clusters or quotas")
	default:
		pksError(w, http.StatusNotFound, "Not Found")
	}
}

// pksPrincipal checks the bearer token against the PKS UAA's issuer.
func (f *Foundation) pksPrincipal(r *http.Request) *principal {
	return f.pks.realm.tokens.bearer(r.Header.Get("Authorization"))
}

// pksClusterJSON is the API's Cluster object.
type pksClusterJSON struct {
	Name                  string         `json:"name"`
	PlanName              string         `json:"plan_name"`
	LastAction            string         `json:"last_action"`
	LastActionState       string         `json:"last_action_state"`
	LastActionDescription string         `json:"last_action_description"`
	UUID                  string         `json:"uuid"`
	KubernetesMasterIPs   []string       `json:"kubernetes_master_ips"`
	NetworkProfileName    string         `json:"network_profile_name"`
	ComputeProfileName    string         `json:"compute_profile_name"`
	KubernetesProfileName string         `json:"kubernetes_profile_name"`
	K8sVersion            string         `json:"k8s_version"`
	PKSVersion            string         `json:"pks_version"`
	Parameters            map[string]any `json:"parameters"`
}

func (f *Foundation) pksListClusters(w http.ResponseWriter) {
	out := make([]pksClusterJSON, 0, len(f.pks.seeds))
	for _, s := range f.pks.seeds {
		out = append(out, f.pksCluster(s, false))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, "application/json", out)
}

func (f *Foundation) pksFind(name string) *pksClusterSeed {
	for _, s := range f.pks.seeds {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func (f *Foundation) pksGetCluster(w http.ResponseWriter, name string, details bool) {
	s := f.pksFind(name)
	if s == nil {
		pksError(w, http.StatusNotFound, fmt.Sprintf("cluster %s not found", name))
		return
	}
	writeJSON(w, http.StatusOK, "application/json", f.pksCluster(s, details))
}

// pksCluster renders one cluster as it stands now.
func (f *Foundation) pksCluster(s *pksClusterSeed, details bool) pksClusterJSON {
	c := pksClusterJSON{
		Name: s.Name, PlanName: s.Plan, LastAction: s.Action, LastActionState: s.State,
		LastActionDescription: s.Description, UUID: s.UUID, K8sVersion: k8sVersion, PKSVersion: pksVersion,
		KubernetesMasterIPs: []string{"In Progress"},
	}
	if s.upgrading {
		c.LastActionState, c.LastActionDescription = f.upgradeState()
	}
	if s.dep != nil {
		c.KubernetesMasterIPs = nil
		for _, in := range s.dep.Instances {
			if in.Group.Name == "master" && in.VM != nil {
				c.KubernetesMasterIPs = append(c.KubernetesMasterIPs, in.VM.IPs...)
			}
		}
	}
	c.Parameters = map[string]any{
		"kubernetes_master_host":      s.Name + "." + pksDomain,
		"kubernetes_master_port":      8443,
		"kubernetes_worker_instances": s.Workers,
		"worker_haproxy_ip_addresses": nil,
		"authorization_mode":          nil,
		"nsxt_network_profile":        nil,
	}
	if details {
		drain := map[string]string{
			"kubelet_drain_timeout": "0", "kubelet_drain_grace_period": "10", "kubelet_drain_force": "false",
			"kubelet_drain_ignore_daemonsets": "true", "kubelet_drain_delete_local_data": "true",
			"kubelet_drain_force_node": "false",
		}
		c.Parameters["kubernetes_setting_plan_details"] = drain
		c.Parameters["kubernetes_setting_cluster_details"] = drain
		c.Parameters["compute_profile"] = nil
		c.Parameters["k8s_customization_parameters"] = map[string]any{"insecure_registries": nil, "unset_http_proxy": nil}
		c.Parameters["custom_ca_certs"] = []any{}
		c.Parameters["cluster_tags"] = []any{}
	}
	return c
}

// upgradeState follows the background deploy: in progress while its task
// runs, then succeeded or failed.
func (f *Foundation) upgradeState() (state, desc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.bg == nil {
		return "in progress", "Instance update in progress"
	}
	switch f.bg.t.State {
	case stateDone:
		return "succeeded", "Instance update completed"
	case stateProcessing, stateQueued:
		return "in progress", "Instance update in progress"
	}
	return "failed", fmt.Sprintf("Instance update failed: BOSH task %d ended %s", f.bg.t.ID, f.bg.t.State)
}

// pksBind answers binds with a kubeconfig for the cluster.
func (f *Foundation) pksBind(w http.ResponseWriter, name string, p *principal) {
	s := f.pksFind(name)
	if s == nil {
		pksError(w, http.StatusNotFound, fmt.Sprintf("cluster %s not found", name))
		return
	}
	if s.dep == nil {
		pksError(w, http.StatusConflict, fmt.Sprintf("Cluster %s is still being created; credentials are not available yet", name))
		return
	}
	u := f.pks.realm.users[p.name]
	userID := p.name
	if u != nil {
		userID = u.ID
	}
	tok, _, _, err := f.pks.realm.tokens.issue(subject{clientID: pksCLIClient, user: u, scopes: p.scopes, grant: "password"}, time.Now())
	if err != nil {
		pksError(w, http.StatusInternalServerError, "could not issue a token")
		return
	}
	server := fmt.Sprintf("https://%s.%s:8443", s.Name, pksDomain)
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"apiVersion": "v1",
		"kind":       "Config",
		"clusters": []any{map[string]any{"name": s.Name, "cluster": map[string]string{
			"server": server, "certificate-authority-data": base64.StdEncoding.EncodeToString([]byte(f.ca.certPEM))}}},
		"contexts":        []any{map[string]any{"name": s.Name, "context": map[string]string{"cluster": s.Name, "user": userID}}},
		"current-context": s.Name,
		"users":           []any{map[string]any{"name": userID, "user": map[string]string{"token": tok}}},
		"preferences":     map[string]any{},
	})
}

// pksAllocation is what one cluster takes from its owner's quota.
func pksAllocation(s *pksClusterSeed) (cpu int, memGB float64) {
	if s.dep == nil {
		return 2 + 2*s.Workers, 4 + 8*float64(s.Workers)
	}
	for _, in := range s.dep.Instances {
		cpu += in.Group.CPU
		memGB += float64(in.Group.RAMMB) / 1024
	}
	return cpu, memGB
}

func (f *Foundation) pksUsages(w http.ResponseWriter, rest []string) {
	type usageCluster struct {
		Name   string  `json:"name"`
		CPU    int     `json:"cpu"`
		Memory float64 `json:"memory"`
	}
	type totals struct {
		CPU     int     `json:"cpu"`
		Memory  float64 `json:"memory"`
		Cluster int     `json:"cluster"`
	}
	u := struct {
		Owner    string         `json:"owner"`
		Totals   totals         `json:"totals"`
		Clusters []usageCluster `json:"clusters"`
	}{Owner: pksAdminUser}
	for _, s := range f.pks.seeds {
		cpu, mem := pksAllocation(s)
		u.Clusters = append(u.Clusters, usageCluster{Name: s.Name, CPU: cpu, Memory: mem})
		u.Totals.CPU += cpu
		u.Totals.Memory += mem
		u.Totals.Cluster++
	}
	switch {
	case len(rest) == 0:
		writeJSON(w, http.StatusOK, "application/json", []any{u})
	case len(rest) == 1 && rest[0] == pksAdminUser:
		writeJSON(w, http.StatusOK, "application/json", u)
	case len(rest) == 1:
		pksError(w, http.StatusNotFound, fmt.Sprintf("The usage owner named: '%s' not found.", rest[0]))
	default:
		pksError(w, http.StatusNotFound, "Not Found")
	}
}

func (f *Foundation) pksQuotas(w http.ResponseWriter, rest []string) {
	q := map[string]any{"owner": pksAdminUser, "limit": map[string]any{"cpu": 200, "memory": 800.0, "cluster": 10}}
	switch {
	case len(rest) == 0:
		writeJSON(w, http.StatusOK, "application/json", []any{q})
	case len(rest) == 1 && rest[0] == pksAdminUser:
		writeJSON(w, http.StatusOK, "application/json", q)
	case len(rest) == 1:
		pksError(w, http.StatusNotFound, fmt.Sprintf("The quota owner named: '%s' not found.", rest[0]))
	default:
		pksError(w, http.StatusNotFound, "Not Found")
	}
}
