package sim

import (
	"net/http"
	"strconv"
)

const htmlType = "text/html;charset=utf-8" // Sinatra's default, used by most director routes

type deploymentJSON struct {
	Name        string         `json:"name"`
	Teams       []string       `json:"teams"`
	CloudConfig *string        `json:"cloud_config,omitempty"`
	Stemcells   *[]nameVersion `json:"stemcells,omitempty"`
	Releases    *[]nameVersion `json:"releases,omitempty"`
	Locked      *bool          `json:"locked,omitempty"`
}

type nameVersion struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// getDeployments lists the deployments the caller may read, by name.
func (f *Foundation) getDeployments(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	out := []deploymentJSON{}
	f.mu.Lock()
	for _, d := range f.content.deployments {
		if !c.user.hasAny(f.subjectScopes(d.Teams, permRead)) {
			continue
		}
		j := deploymentJSON{Name: d.Name, Teams: d.Teams}
		if q.Get("exclude_configs") != "true" {
			j.CloudConfig = ptr("latest")
		}
		if q.Get("exclude_stemcells") != "true" {
			j.Stemcells = &[]nameVersion{{d.Stemcell.Name, d.Stemcell.Version}}
		}
		if q.Get("exclude_releases") != "true" {
			rels := make([]nameVersion, 0, len(d.Releases))
			for _, rel := range d.Releases {
				rels = append(rels, nameVersion(rel))
			}
			j.Releases = &rels
		}
		if q.Get("exclude_lock") != "true" {
			j.Locked = ptr(f.deploymentLockedLocked(d.Name))
		}
		out = append(out, j)
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, htmlType, out)
}

// deploymentFor finds a deployment the caller may read, answering 404
// code 70000 or 401 code 600000 otherwise.
func (f *Foundation) deploymentFor(w http.ResponseWriter, c *call) *deployment {
	name := c.params["d"]
	d := f.content.byName[name]
	if d == nil {
		directorError(w, http.StatusNotFound, 70000, "Deployment '"+name+"' doesn't exist")
		return nil
	}
	if !requireScopes(w, f, c.user, f.subjectScopes(d.Teams, permRead)) {
		return nil
	}
	return d
}

func (f *Foundation) getDeployment(w http.ResponseWriter, r *http.Request, c *call) {
	d := f.deploymentFor(w, c)
	if d == nil {
		return
	}
	writeJSON(w, http.StatusOK, htmlType, map[string]string{"manifest": manifestYAML(d)})
}

// getInstances is the cheap listing, or with format=full the vm-stats task.
func (f *Foundation) getInstances(w http.ResponseWriter, r *http.Request, c *call) {
	d := f.deploymentFor(w, c)
	if d == nil {
		return
	}
	if r.URL.Query().Get("format") == "full" {
		f.startVMStats(w, r, c, d, true)
		return
	}
	out := make([]instanceLine, 0, len(d.Instances))
	for _, s := range f.deploymentNow(d) {
		out = append(out, cheapInstance(s))
	}
	writeJSON(w, http.StatusOK, htmlType, out)
}

// getVMs is the cheap listing of VMs, or with format=full the vm-stats task.
func (f *Foundation) getVMs(w http.ResponseWriter, r *http.Request, c *call) {
	d := f.deploymentFor(w, c)
	if d == nil {
		return
	}
	if r.URL.Query().Get("format") == "full" {
		f.startVMStats(w, r, c, d, false)
		return
	}
	out := []vmLine{}
	for _, s := range f.deploymentNow(d) {
		for _, v := range s.vms() {
			out = append(out, cheapVM(s, v))
		}
	}
	writeJSON(w, http.StatusOK, htmlType, out)
}

func (f *Foundation) startVMStats(w http.ResponseWriter, r *http.Request, c *call, d *deployment, instances bool) {
	f.mu.Lock()
	t := f.enqueueLocked(vmStatsKind{d: d, instances: instances}, c.user.name, d.Name, r.Header.Get("X-Bosh-Context-Id"), d.Teams)
	f.mu.Unlock()
	redirectToTask(w, r, t)
}

type stemcellJSON struct {
	Name            string     `json:"name"`
	OperatingSystem string     `json:"operating_system"`
	Version         string     `json:"version"`
	CID             string     `json:"cid"`
	CPI             string     `json:"cpi"`
	Deployments     []nameOnly `json:"deployments"`
	APIVersion      int        `json:"api_version"`
	ID              int        `json:"id"`
}

type nameOnly struct {
	Name string `json:"name"`
}

func (f *Foundation) getStemcells(w http.ResponseWriter, r *http.Request, c *call) {
	out := []stemcellJSON{}
	for _, s := range f.content.stemcells {
		j := stemcellJSON{Name: s.Name, OperatingSystem: s.OS, Version: s.Version, CID: s.CID, Deployments: []nameOnly{},
			APIVersion: s.APIVersion, ID: s.ID}
		for _, d := range f.content.deploymentsUsing(s) {
			j.Deployments = append(j.Deployments, nameOnly{d})
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, htmlType, out)
}

type releaseSeriesJSON struct {
	Name     string               `json:"name"`
	Versions []releaseVersionJSON `json:"release_versions"`
}

type releaseVersionJSON struct {
	Version            string   `json:"version"`
	CommitHash         string   `json:"commit_hash"`
	UncommittedChanges bool     `json:"uncommitted_changes"`
	CurrentlyDeployed  bool     `json:"currently_deployed"`
	JobNames           []string `json:"job_names"`
}

func (f *Foundation) getReleases(w http.ResponseWriter, r *http.Request, c *call) {
	out := []releaseSeriesJSON{}
	for _, s := range f.content.releases {
		j := releaseSeriesJSON{Name: s.Name, Versions: []releaseVersionJSON{}}
		for _, v := range s.Versions {
			j.Versions = append(j.Versions, releaseVersionJSON{Version: v.Version, CommitHash: v.CommitHash,
				CurrentlyDeployed: v.deployed, JobNames: v.JobNames})
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, htmlType, out)
}

func itoa(n int) string { return strconv.Itoa(n) }
