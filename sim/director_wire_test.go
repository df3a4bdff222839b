package sim

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests check wire details with a plain HTTP client.

// seededTask finds a finished past task of a type and deployment.
func seededTask(t *testing.T, f *Foundation, typ, dep string) *task {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tk := range f.tasks {
		if tk.Type == typ && tk.Deployment == dep && tk.State == stateDone {
			return tk
		}
	}
	t.Fatalf("no done %s task of %q", typ, dep)
	return nil
}

// startTask starts a vm-stats task with a raw request and returns its id.
func startTask(t *testing.T, f *Foundation, auth, path string, hdr map[string]string) int {
	t.Helper()
	r := do(t, rawClient(t, f), f, "GET", path, auth, hdr, "")
	loc := r.header.Get("Location")
	id, err := strconv.Atoi(strings.TrimPrefix(loc, f.DirectorURL()+"/tasks/"))
	if r.status != 302 || err != nil || r.body != "" {
		t.Fatalf("GET %s: %d Location %q body %q", path, r.status, loc, r.body)
	}
	return id
}

func TestTaskOutputRangeRules(t *testing.T) {
	f := startSim(t, Options{})
	c := rawClient(t, f)
	auth := adminToken(t, f)
	tk := seededTask(t, f, "update_deployment", f.content.clusters[0].Name)
	path := "/tasks/" + itoa(tk.ID) + "/output?type=event"
	full := do(t, c, f, "GET", path, auth, nil, "")
	n := len(full.body)
	if full.status != 200 || n == 0 || !strings.HasSuffix(full.body, "\n") {
		t.Fatalf("no Range: %d, %d bytes", full.status, n)
	}
	cases := []struct {
		rng, contentRange, body string
		status                  int
	}{
		{"bytes=0-", fmt.Sprintf("bytes 0-%d/%d", n-1, n), full.body, 206},
		{"bytes=100-", fmt.Sprintf("bytes 100-%d/%d", n-1, n), full.body[100:], 206},
		{"bytes=0-9", fmt.Sprintf("bytes 0-9/%d", n), full.body[:10], 206},
		{"bytes=-5", fmt.Sprintf("bytes %d-%d/%d", n-5, n-1, n), full.body[n-5:], 206},
		{fmt.Sprintf("bytes=%d-", n), fmt.Sprintf("bytes */%d", n), "Byte range unsatisfiable", 416},
		{fmt.Sprintf("bytes=%d-", n+50), fmt.Sprintf("bytes */%d", n), "Byte range unsatisfiable", 416},
		{"bytes=0-1,5-6", "", full.body, 200},
		{"items=0-", "", full.body, 200},
		{"bytes=9-2", "", full.body, 200},
	}
	for _, k := range cases {
		r := do(t, c, f, "GET", path, auth, map[string]string{"Range": k.rng}, "")
		if r.status != k.status || r.header.Get("Content-Range") != k.contentRange || r.body != k.body {
			t.Errorf("Range %q: %d %q (%d bytes), want %d %q (%d bytes)", k.rng, r.status, r.header.Get("Content-Range"),
				len(r.body), k.status, k.contentRange, len(k.body))
		}
	}

	id := startTask(t, f, auth, "/deployments/"+f.content.harbor.Name+"/instances?format=full", nil)
	waitState(t, f, id, stateDone)
	out := "/tasks/" + itoa(id) + "/output?type="
	if r := do(t, c, f, "GET", out+"event", auth, map[string]string{"Range": "bytes=0-"}, ""); r.status != 416 || r.header.Get("Content-Range") != "bytes */0" {
		t.Errorf("empty event output with Range: %d %q", r.status, r.header.Get("Content-Range"))
	}
	if r := do(t, c, f, "GET", out+"event", auth, nil, ""); r.status != 200 || r.body != "" {
		t.Errorf("empty event output: %d %q", r.status, r.body)
	}
	for _, typ := range []string{"none", "cpi"} {
		if r := do(t, c, f, "GET", out+typ, auth, nil, ""); r.status != 204 {
			t.Errorf("type=%s: %d", typ, r.status)
		}
	}
	for _, q := range []string{out + "debug", "/tasks/" + itoa(id) + "/output"} {
		if r := do(t, c, f, "GET", q, auth, nil, ""); r.status != 200 || !strings.Contains(r.body, "DirectorJobRunner") ||
			!strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
			t.Errorf("%s: %d %q", q, r.status, r.body)
		}
	}
	r := do(t, c, f, "GET", out+"bogus", auth, nil, "")
	if code, desc := directorErr(t, r.body); r.status != 401 || code != 600000 || desc != "Unknown type bogus" {
		t.Errorf("type=bogus: %d %s", r.status, r.body)
	}
	checkVMStatsResult(t, do(t, c, f, "GET", out+"result", auth, nil, "").body, f.content.harbor)
}

// checkVMStatsResult checks every key and JSON type of a format=full result.
func checkVMStatsResult(t *testing.T, body string, d *deployment) {
	t.Helper()
	lines := strings.Split(body, "\n")
	if lines[len(lines)-1] != "" {
		t.Fatalf("result does not end in a newline: %q", body)
	}
	lines = lines[:len(lines)-1]
	if len(lines) != len(d.Instances) {
		t.Fatalf("%d result lines for %d instances", len(lines), len(d.Instances))
	}
	want := []string{"vm_cid", "active", "vm_created_at", "cloud_properties", "disk_cid", "disk_cids", "ips", "agent_id",
		"job_name", "index", "job_state", "state", "vm_type", "vitals", "processes", "az", "id", "bootstrap", "ignore", "stemcell"}
	var withVM, without int
	for _, l := range lines {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(l))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		for _, k := range want {
			if _, ok := m[k]; !ok {
				t.Errorf("line lacks %q: %s", k, l)
			}
		}
		if len(m) != len(want) {
			t.Errorf("line has %d keys, want %d: %s", len(m), len(want), l)
		}
		if _, err := m["index"].(json.Number).Int64(); err != nil {
			t.Errorf("index %v is not an int", m["index"])
		}
		if m["vm_cid"] == nil {
			without++
			if m["agent_id"] != nil || m["job_state"] != nil || m["vitals"] != nil || m["active"] != nil || m["vm_created_at"] != nil ||
				len(m["processes"].([]any)) != 0 || len(m["ips"].([]any)) != 0 || m["stemcell"].(map[string]any)["name"] != nil {
				t.Errorf("VM-less line: %s", l)
			}
			continue
		}
		withVM++
		v := m["vitals"].(map[string]any)
		for _, k := range []string{"sys", "user", "wait"} {
			if _, ok := v["cpu"].(map[string]any)[k].(string); !ok {
				t.Errorf("cpu.%s not a string: %s", k, l)
			}
		}
		for _, x := range v["load"].([]any) {
			if _, ok := x.(string); !ok {
				t.Errorf("load %v not a string", x)
			}
		}
		if _, ok := v["mem"].(map[string]any)["kb"].(string); !ok {
			t.Errorf("mem.kb not a string: %s", l)
		}
		if _, err := v["uptime"].(map[string]any)["secs"].(json.Number).Int64(); err != nil {
			t.Errorf("uptime.secs not an int: %s", l)
		}
		for _, p := range m["processes"].([]any) {
			pm := p.(map[string]any)
			if _, err := pm["mem"].(map[string]any)["kb"].(json.Number).Int64(); err != nil {
				t.Errorf("process mem.kb not an int: %v", pm)
			}
			if _, ok := pm["mem"].(map[string]any)["percent"].(json.Number); !ok {
				t.Errorf("process mem.percent not a number: %v", pm)
			}
			if _, ok := pm["cpu"].(map[string]any)["total"].(json.Number); !ok {
				t.Errorf("process cpu.total not a number: %v", pm)
			}
		}
	}
	if withVM != 1 || without != 1 {
		t.Errorf("harbor lines: %d with a VM, %d without", withVM, without)
	}
}

func TestTaskRedirectAndTaskObject(t *testing.T) {
	f := startSim(t, Options{Workers: 1, TaskTime: time.Hour})
	c := rawClient(t, f)
	auth := adminToken(t, f)
	pks := f.content.pks.Name
	id := startTask(t, f, auth, "/deployments/"+pks+"/vms?format=full", map[string]string{"X-Bosh-Context-Id": "bosun-ctx-1"})
	if got := f.Stats().TasksStarted[pks]; got != 1 {
		t.Errorf("tasks started for %s: %d", pks, got)
	}
	waitState(t, f, id, stateProcessing)
	r := do(t, c, f, "GET", "/tasks/"+itoa(id), auth, nil, "")
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("task JSON %q: %v", r.body, err)
	}
	for _, k := range []string{"id", "state", "description", "timestamp", "started_at", "result", "user", "deployment", "context_id"} {
		if _, ok := m[k]; !ok {
			t.Errorf("task lacks %q", k)
		}
	}
	if m["state"] != "processing" || m["timestamp"] != nil || m["result"] != nil || m["started_at"] == nil ||
		m["deployment"] != pks || m["context_id"] != "bosun-ctx-1" || m["user"] != f.ClientID() || m["description"] != "retrieve vm-stats" {
		t.Errorf("processing task %s", r.body)
	}
	// FindTasksByContextId sends no verbose, so the director lists only
	// user-visible types: a vm-stats task is found at verbose 2 only.
	d := adminDirector(t, f, nil)
	if tasks, err := d.FindTasksByContextId("bosun-ctx-1"); err != nil || len(tasks) != 0 {
		t.Errorf("tasks by context id at verbose 1: %v %v", tasks, err)
	}
	var byCtx []taskJSON
	json.Unmarshal([]byte(do(t, c, f, "GET", "/tasks?context_id=bosun-ctx-1&verbose=2", auth, nil, "").body), &byCtx)
	if len(byCtx) != 1 || byCtx[0].ID != id {
		t.Errorf("tasks by context id at verbose 2: %+v", byCtx)
	}
	queued := startTask(t, f, auth, "/deployments/"+pks+"/instances?format=full", nil)
	r = do(t, c, f, "GET", "/tasks/"+itoa(queued), auth, nil, "")
	if !strings.Contains(r.body, `"timestamp":null,"started_at":null,"result":null`) {
		t.Errorf("queued task %s", r.body)
	}
}

func TestDirectorErrorReplies(t *testing.T) {
	f := startSim(t, Options{})
	c := rawClient(t, f)
	auth := adminToken(t, f)
	done := seededTask(t, f, "update_deployment", f.content.pks.Name).ID
	jsonCT := map[string]string{"Content-Type": "application/json"}
	cases := []struct {
		method, path, auth string
		hdr                map[string]string
		body               string
		status             int
		code               int    // director error code, 0 for a plain body
		text               string // description, or the plain body
	}{
		{"GET", "/deployments/nope", auth, nil, "", 404, 70000, "Deployment 'nope' doesn't exist"},
		{"GET", "/deployments/nope/instances?format=full", auth, nil, "", 404, 70000, "Deployment 'nope' doesn't exist"},
		{"GET", "/tasks/99999", auth, nil, "", 404, 10000, "Task 99999 not found"},
		{"GET", "/tasks/abc/output?type=event", auth, nil, "", 404, 10000, "Task abc not found"},
		{"DELETE", "/task/99999", auth, nil, "", 404, 10000, "Task 99999 not found"},
		{"DELETE", "/task/" + itoa(done), auth, nil, "", 400, 0, "Cannot cancel task " + itoa(done) + ": invalid state (done)"},
		{"GET", "/deployments/x/y/z", auth, nil, "", 404, 0, "Endpoint '/deployments/x/y/z' not found."},
		{"PUT", "/deployments", auth, nil, "", 404, 0, "Endpoint '/deployments' not found."},
		{"GET", "/nope", "", nil, "", 404, 0, "Not Found: /nope"},
		{"POST", "/tasks/cancel", auth, nil, "{}", 404, 0, "Endpoint '/tasks/cancel' not found."},
		{"POST", "/tasks/cancel", auth, jsonCT, "{", 500, 0, ""},
		{"POST", "/tasks/cancel", auth, jsonCT, `{"states":"queued"}`, 500, 0, ""},
		{"GET", "/events/999999", auth, nil, "", 404, 0, "Event not found"},
		{"GET", "/events/1/x", auth, nil, "", 404, 0, "Event not found"},
		{"GET", "/events?before_time=garbage", auth, nil, "", 400, 0, "Invalid before parameter: 'garbage' "},
		{"GET", "/events?after_time=later", auth, nil, "", 400, 0, "Invalid after parameter: 'later' "},
		{"GET", "/deployments", "", nil, "", 401, 0, "Not authorized: '/deployments'\n"},
		{"GET", "/deployments/x/y/z", "", nil, "", 401, 0, "Not authorized: '/deployments/x/y/z'\n"},
		{"GET", "/deployments", "Basic YWRtaW46YWRtaW4=", nil, "", 401, 0, "Not authorized: '/deployments'\n"},
		{"GET", "/deployments", "bearer not.a.token", nil, "", 401, 0, "Not authorized: '/deployments'\n"},
		{"GET", "/locks", auth, map[string]string{"X-Bosh-Context-Id": strings.Repeat("x", 65)}, "", 400, 70010,
			"X-Bosh-Context-Id cannot be more than 64 characters in length"},
	}
	for _, k := range cases {
		r := do(t, c, f, k.method, k.path, k.auth, k.hdr, k.body)
		if r.status != k.status {
			t.Errorf("%s %s: status %d, want %d (%q)", k.method, k.path, r.status, k.status, r.body)
			continue
		}
		if k.code != 0 {
			if code, desc := directorErr(t, r.body); code != k.code || desc != k.text {
				t.Errorf("%s %s: %d %q, want %d %q", k.method, k.path, code, desc, k.code, k.text)
			}
		} else if r.body != k.text {
			t.Errorf("%s %s: body %q, want %q", k.method, k.path, r.body, k.text)
		}
		if k.status == 401 && r.header.Get("WWW-Authenticate") != `Basic realm="BOSH Director"` {
			t.Errorf("%s %s: WWW-Authenticate %q", k.method, k.path, r.header.Get("WWW-Authenticate"))
		}
	}
	if n := f.Stats().TasksStarted["nope"]; n != 0 {
		t.Errorf("a task was started for a missing deployment")
	}
}

func TestTaskListQueries(t *testing.T) {
	f := startSim(t, Options{})
	c := rawClient(t, f)
	auth := adminToken(t, f)
	list := func(q string) []taskJSON {
		t.Helper()
		r := do(t, c, f, "GET", "/tasks"+q, auth, nil, "")
		var out []taskJSON
		if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != 200 {
			t.Fatalf("/tasks%s: %d %v", q, r.status, err)
		}
		return out
	}
	for _, q := range []string{"?limit=0", "?limit=-3", "?limit=abc"} {
		if got := list(q); len(got) != 1 {
			t.Errorf("%s: %d tasks, want 1", q, len(got))
		}
	}
	if got := list("?state=error&verbose=2"); len(got) != 1 || got[0].State != "error" || got[0].Description != "scan cloud" {
		t.Errorf("error tasks %+v", got)
	}
	c0 := f.content.clusters[0].Name
	byDep := list("?verbose=2&deployment=" + c0)
	kinds := map[string]bool{}
	for _, tk := range byDep {
		if tk.Deployment == nil || *tk.Deployment != c0 {
			t.Errorf("task %d of another deployment", tk.ID)
		}
		kinds[tk.Description] = true
	}
	if !kinds["retrieve vm-stats"] || !kinds["fetch logs"] || !kinds["create deployment"] {
		t.Errorf("cluster 0 task kinds %v", kinds)
	}
	all := list("?verbose=2")
	last := int64(1 << 62)
	for _, tk := range all {
		if tk.Timestamp == nil {
			continue
		}
		if *tk.Timestamp > last {
			t.Fatalf("tasks not newest first at %d", tk.ID)
		}
		last = *tk.Timestamp
	}
	if v1 := list(""); len(v1) >= len(all) {
		t.Errorf("verbose 1 lists %d tasks, verbose 2 %d", len(v1), len(all))
	}
}

func TestDeploymentsExcludeFlags(t *testing.T) {
	f := startSim(t, Options{})
	c := rawClient(t, f)
	auth := adminToken(t, f)
	var full, bare []map[string]any
	json.Unmarshal([]byte(do(t, c, f, "GET", "/deployments", auth, nil, "").body), &full)
	json.Unmarshal([]byte(do(t, c, f, "GET", "/deployments?exclude_configs=true&exclude_releases=true&exclude_stemcells=true&exclude_lock=true", auth, nil, "").body), &bare)
	if len(full) != len(f.content.deployments) || len(bare) != len(full) {
		t.Fatalf("%d and %d deployments", len(full), len(bare))
	}
	for i := range full {
		if len(full[i]) != 6 || len(bare[i]) != 2 || bare[i]["teams"] == nil {
			t.Errorf("keys %v / %v", full[i], bare[i])
		}
		locked := full[i]["name"] == f.content.clusters[3].Name
		if full[i]["locked"] != locked || full[i]["cloud_config"] != "latest" {
			t.Errorf("%v: locked %v cloud_config %v", full[i]["name"], full[i]["locked"], full[i]["cloud_config"])
		}
	}
}

func TestEventTimeFilters(t *testing.T) {
	f := startSim(t, Options{})
	c := rawClient(t, f)
	auth := adminToken(t, f)
	get := func(q string) []eventJSON {
		t.Helper()
		var out []eventJSON
		r := do(t, c, f, "GET", "/events"+q, auth, nil, "")
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatalf("/events%s: %d %q", q, r.status, r.body)
		}
		return out
	}
	since := f.content.epoch.Add(-time.Hour)
	recent := get("?after_time=" + strconv.FormatInt(since.Unix(), 10))
	if len(recent) == 0 {
		t.Fatal("no events in the last hour")
	}
	for _, e := range recent {
		if e.Timestamp < since.Unix()+1 {
			t.Errorf("event %s at %d is before after_time+1", e.ID, e.Timestamp)
		}
	}
	old := get("?before_time=" + since.UTC().Format(time.RFC3339))
	for _, e := range old {
		if e.Timestamp >= since.Unix() {
			t.Errorf("event %s at %d is not before %d", e.ID, e.Timestamp, since.Unix())
		}
	}
	if len(old) == 0 {
		t.Error("no events before an hour ago")
	}
	raw := do(t, c, f, "GET", "/events?action=setup+ssh", auth, nil, "").body
	if strings.Contains(raw, `"parent_id"`) || strings.Contains(raw, `"error"`) || !strings.Contains(raw, `"context":{"user":"bosh_`) {
		t.Errorf("empty keys not left out: %s", raw)
	}
	one := get("?action=setup+ssh")[0]
	r := do(t, c, f, "GET", "/events/"+one.ID, auth, nil, "")
	if var1, _ := json.Marshal(one); r.status != 200 || !bytes.Equal(bytes.TrimSpace([]byte(r.body)), var1) {
		t.Errorf("GET /events/%s: %d %s", one.ID, r.status, r.body)
	}
}

// bosh-cli offers only ECDHE-RSA-AES-GCM suites under TLS 1.2; the
// director and UAA must serve such a client.
func TestTLS12ClientWithBoshSuites(t *testing.T) {
	f := startSim(t, Options{})
	c := rawClient(t, f)
	tr := c.Transport.(*http.Transport)
	tr.TLSClientConfig.MaxVersion = tls.VersionTLS12
	tr.TLSClientConfig.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	for _, u := range []string{f.DirectorURL() + "/info", f.UAAURL() + "/login"} {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatalf("TLS 1.2 GET %s: %v", u, err)
		}
		resp.Body.Close()
		if resp.TLS.Version != tls.VersionTLS12 || resp.StatusCode != 200 {
			t.Errorf("%s: TLS %x status %d", u, resp.TLS.Version, resp.StatusCode)
		}
	}
	resp, err := rawClient(t, f).Get(f.DirectorURL() + "/info")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	leaf := resp.TLS.PeerCertificates[0]
	for _, host := range []string{"127.0.0.1", "::1", "localhost"} {
		if err := leaf.VerifyHostname(host); err != nil {
			t.Errorf("director certificate for %s: %v", host, err)
		}
	}
}
