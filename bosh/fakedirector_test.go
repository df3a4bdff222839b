package bosh

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDirector is a small BOSH director and UAA on one httptest TLS
// server, speaking the wire protocol of the reference: /info, the UAA
// token endpoint, /deployments, cheap and format=full instance listings
// with the 302-to-task redirect, task state, event output (416) and
// NDJSON results. Tests change its behaviour through its fields.
type fakeDirector struct {
	srv *httptest.Server

	mu           sync.Mutex
	authType     string // "uaa" or "basic"
	user, pass   string // basic-auth login
	clientID     string // UAA client
	clientSecret string
	tokens       map[string]string // valid access token → user name
	refresh      map[string]string // valid refresh token → user name
	grants       map[string]int    // grant_type → count
	omitRefresh  bool              // refresh replies lack refresh_token
	tokenSeq     int

	deps      map[string][]string // deployment → NDJSON result lines
	depsJSON  string              // raw /deployments body, if set
	tasks     map[int]*fakeTask
	taskSeq   int
	inFlight  int
	maxFlight int
	started   int

	// override, when set, may answer a request first (return true).
	override func(w http.ResponseWriter, r *http.Request) bool
	// taskState decides a task's state at each poll; default: processing
	// at the first poll, done after.
	taskState func(t *fakeTask) string
	// onTaskStart is told when a format=full task starts.
	onTaskStart func(t *fakeTask)

	requests map[string]int // "METHOD path" → count
}

type fakeTask struct {
	id     int
	dep    string
	polls  int
	state  string
	result string // task's result field
	output string // result output
	ended  bool
}

func newFakeDirector(t *testing.T, authType string) *fakeDirector {
	t.Helper()
	f := &fakeDirector{
		authType:     authType,
		user:         "admin",
		pass:         "admin-pw",
		clientID:     "ops",
		clientSecret: "ops-secret",
		tokens:       map[string]string{},
		refresh:      map[string]string{},
		grants:       map[string]int{},
		deps:         map[string][]string{},
		tasks:        map[int]*fakeTask{},
		requests:     map[string]int{},
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are expected in some tests
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeDirector) URL() string { return f.srv.URL }

func (f *fakeDirector) CACertPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw}))
}

// count is how many requests "METHOD path" the director got.
func (f *fakeDirector) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[key]
}

func (f *fakeDirector) grantCount(grant string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.grants[grant]
}

// expireTokens makes every access token issued so far invalid.
func (f *fakeDirector) expireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]string{}
}

func (f *fakeDirector) addDeployment(name string, lines ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deps[name] = lines
}

func (f *fakeDirector) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests[r.Method+" "+r.URL.Path]++
	override := f.override
	f.mu.Unlock()
	if override != nil && override(w, r) {
		return
	}
	switch {
	case r.URL.Path == "/oauth/token":
		f.serveToken(w, r)
	case r.URL.Path == "/info":
		f.serveInfo(w, r)
	default:
		user := f.authenticate(r)
		if user == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="BOSH Director"`)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, "Not authorized: '%s'\n", r.URL.Path)
			return
		}
		f.serveAPI(w, r)
	}
}

// authenticate returns the user the request authenticates as, or "".
func (f *fakeDirector) authenticate(r *http.Request) string {
	h := r.Header.Get("Authorization")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.authType == "basic" {
		u, p, ok := r.BasicAuth()
		if ok && u == f.user && p == f.pass {
			return u
		}
		return ""
	}
	typ, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(typ, "bearer") {
		return ""
	}
	return f.tokens[tok]
}

func (f *fakeDirector) serveInfo(w http.ResponseWriter, r *http.Request) {
	auth := map[string]any{"type": "basic", "options": map[string]any{}}
	if f.authType == "uaa" {
		auth = map[string]any{"type": "uaa", "options": map[string]any{"url": f.URL(), "urls": []string{f.URL()}}}
	}
	var user any
	if u := f.authenticate(r); u != "" {
		user = u
	}
	writeJSON(w, 200, map[string]any{
		"name": "test-bosh", "uuid": "6f0e9f4c-uuid", "version": "280.0.22 (00000000)",
		"user": user, "cpi": "vsphere_cpi", "stemcell_os": "ubuntu-jammy", "stemcell_version": "1.423",
		"user_authentication": auth,
		"features": map[string]any{
			"local_dns": map[string]any{"status": true, "extras": map[string]any{"domain_name": "bosh"}},
			"snapshots": map[string]any{"status": false},
		},
	})
}

func (f *fakeDirector) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, map[string]string{"error": "invalid_request"})
		return
	}
	client, secret, _ := r.BasicAuth()
	grant := r.PostForm.Get("grant_type")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.grants[grant]++
	f.tokenSeq++
	access := fmt.Sprintf("access-%d", f.tokenSeq)
	switch grant {
	case "client_credentials":
		if client != f.clientID || secret != f.clientSecret {
			writeJSON(w, 401, map[string]string{"error": "unauthorized", "error_description": "Bad credentials"})
			return
		}
		f.tokens[access] = client
		writeJSON(w, 200, map[string]any{"access_token": access, "token_type": "bearer", "expires_in": 3600, "jti": "j"})
	case "refresh_token":
		user, ok := f.refresh[r.PostForm.Get("refresh_token")]
		if client != "bosh_cli" || !ok {
			writeJSON(w, 401, map[string]string{"error": "invalid_token", "error_description": "Invalid refresh token"})
			return
		}
		f.tokens[access] = user
		reply := map[string]any{"access_token": access, "token_type": "bearer", "expires_in": 3600}
		if !f.omitRefresh {
			ref := fmt.Sprintf("refresh-%d", f.tokenSeq)
			f.refresh[ref] = user
			reply["refresh_token"] = ref
		}
		writeJSON(w, 200, reply)
	default:
		writeJSON(w, 400, map[string]string{"error": "unsupported_grant_type"})
	}
}

func (f *fakeDirector) serveAPI(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/deployments":
		f.serveDeployments(w)
	case len(parts) == 3 && parts[0] == "deployments" && parts[2] == "instances":
		f.serveInstances(w, r, parts[1])
	case len(parts) >= 2 && parts[0] == "tasks":
		id, err := strconv.Atoi(parts[1])
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if len(parts) == 2 {
			f.serveTask(w, id)
		} else {
			f.serveTaskOutput(w, r, id)
		}
	default:
		w.WriteHeader(404)
		fmt.Fprintf(w, "Endpoint '%s' not found.", r.URL.Path)
	}
}

func (f *fakeDirector) serveDeployments(w http.ResponseWriter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.depsJSON != "" {
		w.WriteHeader(200)
		fmt.Fprint(w, f.depsJSON)
		return
	}
	names := make([]string, 0, len(f.deps))
	for n := range f.deps {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []map[string]any{}
	for _, n := range names {
		out = append(out, map[string]any{
			"name": n, "teams": []string{}, "cloud_config": "latest",
			"releases":  []map[string]string{{"name": "bpm", "version": "1.2.16"}},
			"stemcells": []map[string]string{{"name": "bosh-vsphere-esxi-ubuntu-jammy-go_agent", "version": "1.423"}},
			"locked":    n == "locked-dep",
		})
	}
	writeJSON(w, 200, out)
}

func (f *fakeDirector) serveInstances(w http.ResponseWriter, r *http.Request, dep string) {
	f.mu.Lock()
	lines, ok := f.deps[dep]
	f.mu.Unlock()
	if !ok {
		writeJSON(w, 404, map[string]any{"code": 70000, "description": fmt.Sprintf("Deployment '%s' doesn't exist", dep)})
		return
	}
	if r.URL.Query().Get("format") != "full" {
		var out []map[string]any
		for _, l := range lines {
			var vm map[string]any
			if json.Unmarshal([]byte(l), &vm) != nil {
				continue
			}
			out = append(out, map[string]any{
				"agent_id": vm["agent_id"], "cid": vm["vm_cid"], "job": vm["job_name"], "index": vm["index"],
				"id": vm["id"], "az": vm["az"], "ips": vm["ips"], "vm_created_at": vm["vm_created_at"], "expects_vm": true,
			})
		}
		writeJSON(w, 200, out)
		return
	}
	f.mu.Lock()
	f.taskSeq++
	t := &fakeTask{id: f.taskSeq, dep: dep, state: "queued", output: strings.Join(lines, "")}
	f.tasks[t.id] = t
	f.started++
	f.inFlight++
	f.maxFlight = max(f.maxFlight, f.inFlight)
	hook := f.onTaskStart
	f.mu.Unlock()
	if hook != nil {
		hook(t)
	}
	http.Redirect(w, r, fmt.Sprintf("/tasks/%d", t.id), http.StatusFound)
}

func (f *fakeDirector) serveTask(w http.ResponseWriter, id int) {
	f.mu.Lock()
	t, ok := f.tasks[id]
	if !ok {
		f.mu.Unlock()
		writeJSON(w, 404, map[string]any{"code": 10000, "description": fmt.Sprintf("Task %d not found", id)})
		return
	}
	t.polls++
	stateFn := f.taskState
	f.mu.Unlock()
	state := "done"
	if stateFn != nil {
		state = stateFn(t)
	} else if t.polls <= 1 {
		state = "processing"
	}
	f.mu.Lock()
	t.state = state
	if state != "queued" && state != "processing" && state != "done" && !t.ended {
		t.ended = true
		f.inFlight--
	}
	result := any(nil)
	if t.result != "" || state == "done" {
		result = t.result
	}
	f.mu.Unlock()
	writeJSON(w, 200, map[string]any{"id": id, "state": state, "description": "retrieve vm-stats",
		"result": result, "user": "ops", "deployment": t.dep, "context_id": ""})
}

func (f *fakeDirector) serveTaskOutput(w http.ResponseWriter, r *http.Request, id int) {
	f.mu.Lock()
	t, ok := f.tasks[id]
	if ok && r.URL.Query().Get("type") == "result" && !t.ended {
		t.ended = true
		f.inFlight--
	}
	f.mu.Unlock()
	if !ok {
		writeJSON(w, 404, map[string]any{"code": 10000, "description": fmt.Sprintf("Task %d not found", id)})
		return
	}
	if r.URL.Query().Get("type") != "result" {
		w.Header().Set("Content-Range", "bytes */0")
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return
	}
	w.WriteHeader(200)
	fmt.Fprint(w, t.output)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// vmLine is one realistic line of a format=full result.
func vmLine(group string, index int, id, jobState string) string {
	return fmt.Sprintf(`{"vm_cid":"vm-%[2]s","active":true,"vm_created_at":"2024-03-01T10:11:12Z","cloud_properties":{},"disk_cid":"disk-%[2]s","disk_cids":[],"ips":["10.0.1.%[3]d"],"agent_id":"agent-%[2]s","job_name":"%[1]s","index":%[3]d,"job_state":"%[4]s","state":"started","vm_type":"large","vitals":{"cpu":{"sys":"1.2","user":"3.4","wait":"0.1"},"disk":{"system":{"inode_percent":"31","percent":"45"},"ephemeral":{"inode_percent":"1","percent":"5"}},"load":["0.12","0.20","0.18"],"mem":{"kb":"2066796","percent":"25"},"swap":{"kb":"0","percent":"0"},"uptime":{"secs":123456}},"processes":[{"name":"bpm","state":"running","uptime":{"secs":120040},"mem":{"kb":10240,"percent":0.1},"cpu":{"total":0.5}}],"az":"az1","id":"%[2]s","bootstrap":%[5]t,"ignore":false,"stemcell":{"name":"s","version":"1.423","api_version":3}}`+"\n",
		group, id, index, jobState, index == 0)
}

// testClient is a Client for target with fast retries and polling.
func testClient(t Target, o Options) *Client {
	if o.PollInterval == 0 {
		o.PollInterval = time.Millisecond
	}
	c := New(t, o)
	c.retryDelay = time.Millisecond
	return c
}
