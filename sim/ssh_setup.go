package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshRequest is the body of POST /deployments/:d/ssh (§6.1, §6.4).
type sshRequest struct {
	Command        string            `json:"command"`
	DeploymentName string            `json:"deployment_name"`
	Target         sshTargetJSON     `json:"target"`
	Params         map[string]string `json:"params"`
}

type sshTargetJSON struct {
	Job     string   `json:"job,omitempty"`
	Indexes []string `json:"indexes"`
	IDs     []string `json:"ids"`
}

// rubyInspect renders the target as the director's description does.
func (t sshTargetJSON) rubyInspect() string {
	list := func(v []string) string {
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	s := `{"ids"=>` + list(t.IDs) + `, "indexes"=>` + list(t.Indexes)
	if t.Job != "" {
		s += `, "job"=>` + strconv.Quote(t.Job)
	}
	return s + "}"
}

// postSSH starts an SSH setup or cleanup task.
func (f *Foundation) postSSH(w http.ResponseWriter, r *http.Request, c *call) {
	d := f.deploymentFor(w, c)
	if d == nil {
		return
	}
	if !requireScopes(w, f, c.user, f.subjectScopes(d.Teams, permAdmin)) {
		return
	}
	var req sshRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		directorError(w, http.StatusBadRequest, 40000, "Request body is not valid JSON: "+err.Error())
		return
	}
	k := &sshKind{d: d, req: req}
	switch req.Command {
	case "setup":
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(req.Params["public_key"]))
		if err != nil || !validSSHUser(req.Params["user"]) {
			directorError(w, http.StatusBadRequest, 40000, "SSH setup needs params.user (bosh_...) and params.public_key")
			return
		}
		k.key = key
	case "cleanup":
		if !strings.HasPrefix(req.Params["user_regex"], "^bosh_") {
			directorError(w, http.StatusBadRequest, 40000, "SSH cleanup needs params.user_regex ^bosh_...")
			return
		}
	default:
		directorError(w, http.StatusBadRequest, 40000, "Unknown SSH command '"+req.Command+"'")
		return
	}
	f.mu.Lock()
	t := f.enqueueLocked(k, c.user.name, d.Name, r.Header.Get("X-Bosh-Context-Id"), d.Teams)
	f.mu.Unlock()
	redirectToTask(w, r, t)
}

func validSSHUser(u string) bool {
	if !strings.HasPrefix(u, "bosh_") || len(u) > 32 {
		return false
	}
	for _, c := range u {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// sshKind is the director's SshJob.
type sshKind struct {
	d   *deployment
	req sshRequest
	key ssh.PublicKey
}

func (k *sshKind) jobType() string { return "ssh" }
func (k *sshKind) description() string {
	return "ssh: " + k.req.Command + ":" + k.req.Target.rubyInspect()
}
func (k *sshKind) lock() *lockSpec { return nil }

// targets are the instances with a VM that the target names, as the
// state model has them now.
func (k *sshKind) targets(f *Foundation) []instanceNow {
	var out []instanceNow
	want := append(append([]string{}, k.req.Target.IDs...), k.req.Target.Indexes...)
	for _, s := range f.deploymentNow(k.d) {
		in := s.in
		if s.vm == nil || len(s.vm.IPs) == 0 || k.req.Target.Job != "" && in.Group.Name != k.req.Target.Job {
			continue
		}
		if len(want) > 0 {
			ok := false
			for _, w := range want {
				if w == in.ID || w == strconv.Itoa(in.Index) {
					ok = true
				}
			}
			if !ok {
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

type sshResultLine struct {
	Command       string `json:"command"`
	Status        string `json:"status"`
	IP            string `json:"ip,omitempty"`
	HostPublicKey string `json:"host_public_key,omitempty"`
	ID            string `json:"id"`
	Index         int    `json:"index"`
	Job           string `json:"job"`
	// The director sends gateway_host and gateway_user only when it has
	// default_ssh_options, as PKS directors do not; nor does this one:
	// operators reach the VMs through the jumpbox (BOSH_ALL_PROXY, -J).
}

func (k *sshKind) run(x *taskRun) (string, error) {
	if err := x.wait(x.f.opts.TaskTime / 3); err != nil {
		return "", err
	}
	x.f.mu.Lock()
	hub, err := x.f.sshHubLocked()
	x.f.mu.Unlock()
	if err != nil {
		return "", err
	}
	lines := []sshResultLine{}
	user := k.req.Params["user"]
	for _, s := range k.targets(x.f) {
		in := s.in
		if s.health() == healthUnresponsive {
			return "", &taskFailure{code: 450002, msg: fmt.Sprintf(
				"Timed out sending 'ssh' to instance: '%s', agent-id: '%s' after 45 seconds", in.name(), agentIDOf(s))}
		}
		v, err := hub.vm(in)
		if err != nil {
			return "", err
		}
		line := sshResultLine{Command: k.req.Command, Status: "success", ID: in.ID, Index: in.Index, Job: in.Group.Name}
		action := "setup ssh"
		if k.req.Command == "setup" {
			v.authorize(user, k.key)
			line.IP = v.ip
			line.HostPublicKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(v.hostKey.PublicKey()))) + " root@" + s.vm.AgentID
		} else {
			user = strings.TrimPrefix(k.req.Params["user_regex"], "^")
			v.revoke(user)
			action = "cleanup ssh"
		}
		x.f.mu.Lock()
		e := instanceEvent(in, time.Now(), action, map[string]any{"user": user})
		e.User, e.Task = x.t.User, strconv.Itoa(x.t.ID)
		x.f.addEventLocked(e)
		x.f.mu.Unlock()
		lines = append(lines, line)
	}
	b, err := json.Marshal(lines)
	if err != nil {
		return "", err
	}
	x.writeResult(append(b, '\n'))
	return "", nil
}

func (f *Foundation) closeSSH() {
	f.mu.Lock()
	h := f.ssh
	f.mu.Unlock()
	if h != nil {
		h.close()
	}
}

// sshVMFor finds the SSH endpoint of an instance (by uuid or index) of a
// deployment, starting it if needed.
func (f *Foundation) sshVMFor(dep, id string) (*sshVM, error) {
	d := f.content.byName[dep]
	if d == nil {
		return nil, fmt.Errorf("sim: no deployment %q", dep)
	}
	for _, in := range d.Instances {
		if (in.ID == id || in.name() == id) && in.VM != nil {
			f.mu.Lock()
			hub, err := f.sshHubLocked()
			f.mu.Unlock()
			if err != nil {
				return nil, err
			}
			return hub.vm(in)
		}
	}
	return nil, fmt.Errorf("sim: no instance %q with a VM in %s", id, dep)
}

// SSHUsers lists the SSH users currently set up on an instance's VM.
func (f *Foundation) SSHUsers(dep, id string) ([]string, error) {
	v, err := f.sshVMFor(dep, id)
	if err != nil {
		return nil, err
	}
	u := v.users()
	sort.Strings(u)
	return u, nil
}

// VMFile reads a file on an instance's VM.
func (f *Foundation) VMFile(dep, id, path string) ([]byte, error) {
	v, err := f.sshVMFor(dep, id)
	if err != nil {
		return nil, err
	}
	return v.fs.read(path)
}

// VMFiles lists the entries of a directory on an instance's VM.
func (f *Foundation) VMFiles(dep, id, dir string) ([]string, error) {
	v, err := f.sshVMFor(dep, id)
	if err != nil {
		return nil, err
	}
	return v.fs.list(dir)
}

// APIServerState is what monit says of a master's kube-apiserver.
func (f *Foundation) APIServerState(dep, id string) (string, error) {
	v, err := f.sshVMFor(dep, id)
	if err != nil {
		return "", err
	}
	if v.api == nil {
		return "", errors.New("sim: not a kubo master")
	}
	return v.api.state(time.Now()), nil
}

// RotateSSHHostKey gives a VM a new host key that the director does not
// know about: connections presenting it must be refused.
func (f *Foundation) RotateSSHHostKey(dep, id string) error {
	v, err := f.sshVMFor(dep, id)
	if err != nil {
		return err
	}
	key, err := newEd25519Signer()
	if err != nil {
		return err
	}
	f.mu.Lock()
	hub := f.ssh
	f.mu.Unlock()
	hub.mu.Lock()
	defer hub.mu.Unlock()
	v.ln.Close()
	v.hostKey = key
	v.ln, err = listenLike(v.ln)
	if err != nil {
		return err
	}
	hub.serve(v.ln, v.serverConfig(), v.handle)
	return nil
}

// RenderJobs does to the VMs of a deployment what a deploy does to their
// job files: every master's kube-apiserver files are rendered afresh (any
// hand edit is gone) and the process restarted.
func (f *Foundation) RenderJobs(dep string) error {
	d := f.content.byName[dep]
	if d == nil {
		return fmt.Errorf("sim: no deployment %q", dep)
	}
	for _, in := range d.Instances {
		if in.VM == nil || in.Group.Name != "master" {
			continue
		}
		v, err := f.sshVMFor(dep, in.ID)
		if err != nil {
			return err
		}
		v.layOut(f)
	}
	return nil
}

// Redeploy is what an operator's `bosh deploy` of an unchanged manifest
// does for these tests: a finished "create deployment" task on dep, and
// its masters' job files rendered anew.
func (f *Foundation) Redeploy(dep string) error {
	f.mu.Lock()
	d := f.content.byName[dep]
	if d == nil {
		f.mu.Unlock()
		return fmt.Errorf("sim: no deployment %q", dep)
	}
	now := time.Now()
	t := f.addTaskLocked("create deployment", "update_deployment", "admin", dep, "", d.Teams, now)
	t.State, t.StartedAt, t.Result = stateDone, now, ptr("/deployments/"+dep)
	f.mu.Unlock()
	return f.RenderJobs(dep)
}
