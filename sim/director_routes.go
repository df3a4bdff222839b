package sim

import (
	"net/http"
	"strings"
)

// directorRoutes lists the director endpoints the simulation serves.
// Cloud-check scans, log fetches and SSH setup will join them as routes
// that enqueue new task kinds.
func (f *Foundation) directorRoutes() *router {
	rt := newRouter()
	rt.add("GET", "/info", "", f.getInfo)
	rt.add("GET", "/deployments", permList, f.getDeployments)
	rt.add("GET", "/deployments/:d", "", f.getDeployment)
	rt.add("GET", "/deployments/:d/instances", "", f.getInstances)
	rt.add("GET", "/deployments/:d/vms", "", f.getVMs)
	rt.add("GET", "/tasks", permList, f.getTasks)
	rt.add("GET", "/tasks/:id", permList, f.getTask)
	rt.add("GET", "/tasks/:id/output", "", f.getTaskOutput)
	rt.add("POST", "/tasks/cancel", permAdmin, f.postTasksCancel).consumesJSON = true
	rt.add("DELETE", "/task/:id", permAdmin, f.deleteTask)
	rt.add("GET", "/locks", permRead, f.getLocks)
	rt.add("GET", "/events", permEvents, f.getEvents)
	rt.add("GET", "/events/:id", permAdmin, f.getEvent)
	rt.add("GET", "/stemcells", permList, f.getStemcells)
	rt.add("GET", "/releases", permList, f.getReleases)
	f.addCCKRoutes(rt)
	f.addLifecycleRoutes(rt)
	rt.add("POST", "/deployments/:d/ssh", "", f.postSSH).consumesJSON = true
	logs := newLogStore(f)
	rt.add("GET", "/deployments/:d/jobs/:job/:index/logs", "", logs.getLogs)
	rt.add("GET", "/resources/:id", permRead, logs.getResource)
	return rt
}

// Director-level permissions of routes (PermissionAuthorizer, subject
// :director).
const (
	permAdmin  = "admin"  // bosh.admin
	permRead   = "read"   // + bosh.read
	permList   = "list"   // + bosh.read + the caller's team admin scopes
	permEvents = "events" // + bosh.read + the caller's team admin/read scopes
)

type infoJSON struct {
	Name               string       `json:"name"`
	UUID               string       `json:"uuid"`
	Version            string       `json:"version"`
	User               *string      `json:"user"`
	CPI                string       `json:"cpi"`
	StemcellOS         string       `json:"stemcell_os"`
	StemcellVersion    string       `json:"stemcell_version"`
	UserAuthentication infoAuth     `json:"user_authentication"`
	Features           infoFeatures `json:"features"`
}

type infoAuth struct {
	Type    string         `json:"type"`
	Options map[string]any `json:"options"`
}

type infoFeatures struct {
	LocalDNS     infoFeature `json:"local_dns"`
	Snapshots    infoFeature `json:"snapshots"`
	ConfigServer infoFeature `json:"config_server"`
}

type infoFeature struct {
	Status bool           `json:"status"`
	Extras map[string]any `json:"extras,omitempty"`
}

// getInfo is public: user is null unless the Authorization header is valid.
func (f *Foundation) getInfo(w http.ResponseWriter, r *http.Request, _ *call) {
	info := infoJSON{
		Name: f.content.directorName, UUID: f.content.uuid, Version: directorVersion, CPI: "vsphere_cpi",
		StemcellOS: stemcellOS, StemcellVersion: stemcellVersion,
		UserAuthentication: infoAuth{Type: "basic", Options: map[string]any{}},
		Features: infoFeatures{
			LocalDNS:     infoFeature{Status: true, Extras: map[string]any{"domain_name": "bosh"}},
			Snapshots:    infoFeature{Status: false},
			ConfigServer: infoFeature{Status: true, Extras: map[string]any{"urls": []string{configServerURL(f.dirURL)}}},
		},
	}
	if f.opts.Auth == "uaa" {
		info.UserAuthentication = infoAuth{Type: "uaa", Options: map[string]any{"url": f.uaaURL, "urls": []string{f.uaaURL}}}
	}
	if p := f.authenticate(r); p != nil {
		info.User = ptr(p.name)
	}
	writeJSON(w, http.StatusOK, "application/json", info)
}

// configServerURL is where a director's CredHub would be: port 8844 on
// the director's host.
func configServerURL(dirURL string) string {
	host := strings.TrimPrefix(dirURL, "https://")
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return "https://" + host + ":8844/api/"
}

// redirectToTask answers a task-starting request as the director does
// behind its nginx: 302 with an absolute Location on the requested host.
func redirectToTask(w http.ResponseWriter, r *http.Request, t *task) {
	w.Header().Set("Location", "https://"+r.Host+"/tasks/"+itoa(t.ID))
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.WriteHeader(http.StatusFound)
}
