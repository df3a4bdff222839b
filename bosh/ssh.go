package bosh

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHTarget names the instances of one deployment an SSH session reaches:
// every instance (Group ""), every instance of a group (IndexOrID ""), or
// one instance by index or uuid.
type SSHTarget struct {
	Deployment string
	Group      string
	IndexOrID  string
}

// ParseSSHTarget reads "", "group", "group/0" or "group/<uuid>"; in a PKS
// control plane deployment "pks" stands for pivotal-container-service.
func ParseSSHTarget(dep, arg string) (SSHTarget, error) {
	if dep == "" {
		return SSHTarget{}, &Error{Kind: KindConfig, Op: "ssh", Description: "no deployment named (-d or BOSH_DEPLOYMENT)"}
	}
	t := SSHTarget{Deployment: dep}
	if arg == "" {
		return t, nil
	}
	g, id, _ := strings.Cut(arg, "/")
	if g == "" || strings.Contains(id, "/") || strings.ContainsAny(arg, " \t\n") {
		return t, &Error{Kind: KindConfig, Op: "ssh", Description: fmt.Sprintf("instance %q: want GROUP, GROUP/INDEX or GROUP/UUID", arg)}
	}
	if g == pksAlias && IsPKSDeployment(dep) {
		g = pksGroup // "pks/0", as operators call the PKS API VM (and as logs takes it)
	}
	t.Group, t.IndexOrID = g, id
	return t, nil
}

// String is the target as bosh names it: "dep", "dep group", "dep group/0".
func (t SSHTarget) String() string {
	switch {
	case t.Group == "":
		return t.Deployment
	case t.IndexOrID == "":
		return t.Deployment + " " + t.Group
	}
	return t.Deployment + " " + t.Group + "/" + t.IndexOrID
}

// SSHHost is one instance reached by a session, with the host key the
// director reported for it: the only key its SSH server may present.
type SSHHost struct {
	Group     string
	IndexOrID string
	IP        string
	Port      int // 0 means 22
	HostKey   ssh.PublicKey
}

// addr is ip:port.
func (h SSHHost) addr() string {
	port := h.Port
	if port == 0 {
		port = 22
	}
	return net.JoinHostPort(h.IP, strconv.Itoa(port))
}

// Instance is "group/id".
func (h SSHHost) Instance() string { return h.Group + "/" + h.IndexOrID }

// SSHSession is a user and key the director set up on some instances. It
// lasts until Close, which asks the director to remove the user again.
type SSHSession struct {
	c      *Client
	target SSHTarget
	user   string
	signer ssh.Signer
	route  *sshRoute
	Hosts  []SSHHost

	closeOnce sync.Once
	closeErr  error

	connMu sync.Mutex
	conns  map[string]*ssh.Client // shared connection per host
	closed bool
}

// User is the generated bosh_... user.
func (s *SSHSession) User() string { return s.user }

// Target is what the session was set up for.
func (s *SSHSession) Target() SSHTarget { return s.target }

// NewSSHSessionWithKey is a session to hosts whose keys are known without
// the director (as `bosh ssh --private-key` reaches VMs): user logs in with
// key, each host must present its HostKey, and Close removes nothing.
func NewSSHSessionWithKey(user string, key ssh.Signer, hosts []SSHHost, o SSHOptions) (*SSHSession, error) {
	for _, h := range hosts {
		if h.HostKey == nil {
			return nil, &Error{Kind: KindConfig, Op: "ssh", Description: "no host key for " + h.Instance() + ": refusing to connect to an unknown key"}
		}
	}
	route, err := o.route()
	if err != nil {
		return nil, &Error{Kind: KindConfig, Op: "ssh", Description: err.Error()}
	}
	route.signer = key
	return &SSHSession{user: user, signer: key, route: route, Hosts: hosts}, nil
}

// sshUserName is "bosh_" + 15 hex digits, 20 characters as the bosh CLI
// makes it.
func sshUserName() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "bosh_" + hex.EncodeToString(b)[:15], nil
}

// newSessionKey makes the fresh RSA 2048 key pair of one session: the
// signer, and the authorized-keys line (with its trailing newline).
func newSessionKey() (ssh.Signer, string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, "", err
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		return nil, "", err
	}
	return signer, string(ssh.MarshalAuthorizedKey(signer.PublicKey())), nil
}

// sshBody is the director's ssh request (bosh-director-api.md §6.1).
func sshBody(t SSHTarget, command string, params map[string]string) ([]byte, error) {
	target := map[string]any{"indexes": []string{}, "ids": []string{}}
	if t.Group != "" {
		target["job"] = t.Group
	}
	if t.IndexOrID != "" {
		target["indexes"] = []string{t.IndexOrID}
		target["ids"] = []string{t.IndexOrID}
	}
	return json.Marshal(map[string]any{"command": command, "deployment_name": t.Deployment, "target": target, "params": params})
}

// sshResp is one element of the setup task's result.
type sshResp struct {
	Command       string `json:"command"`
	Status        string `json:"status"`
	IP            string `json:"ip"`
	HostPublicKey string `json:"host_public_key"`
	ID            string `json:"id"`
	Index         *int   `json:"index"`
	Job           string `json:"job"`
	GatewayHost   string `json:"gateway_host"`
	GatewayUser   string `json:"gateway_user"`
}

// SetUpSSH generates a user and a key pair, asks the director to set them
// up on the target's instances (POST /deployments/:d/ssh, a task) and
// returns the session with each host's pinned key. The caller must Close
// the session; when SetUpSSH itself fails after the task started, it
// cleans up before returning.
func (c *Client) SetUpSSH(ctx context.Context, t SSHTarget, o SSHOptions) (*SSHSession, error) {
	op := "ssh setup on " + t.String()
	if t.Deployment == "" {
		return nil, &Error{Kind: KindConfig, Op: "ssh setup", Description: "no deployment named"}
	}
	route, err := o.route()
	if err != nil {
		return nil, &Error{Kind: KindConfig, Op: op, Description: err.Error()}
	}
	s, err := c.session(ctx, op)
	if err != nil {
		return nil, err
	}
	user, err := sshUserName()
	if err != nil {
		return nil, &Error{Kind: KindConfig, Op: op, Err: err, Description: "random: " + err.Error()}
	}
	signer, pub, err := newSessionKey()
	if err != nil {
		return nil, &Error{Kind: KindConfig, Op: op, Err: err, Description: "generate key: " + err.Error()}
	}
	route.signer = signer
	sess := &SSHSession{c: c, target: t, user: user, signer: signer, route: route}
	body, err := sshBody(t, "setup", map[string]string{"user": user, "public_key": pub})
	if err != nil {
		return nil, &Error{Kind: KindConfig, Op: op, Err: err}
	}
	path := "/deployments/" + url.PathEscape(t.Deployment) + "/ssh"
	result, err := await(ctx, func() ([]byte, error) {
		return s.wire.taskRequest(ctx, c.opts.PollInterval).PostResult(path, body, jsonHeader)
	})
	if err != nil {
		sess.Close() // the task may have set up some hosts
		e, ok := classify(op, c.target.URL, err).(*Error)
		if ok && e.Kind == KindTaskFailed && e.TaskID != 0 && ctx.Err() == nil {
			if t, terr := s.wire.client(ctx).Task(e.TaskID); terr == nil {
				e.Description = oneLine(t.Result)
			}
		}
		if ok {
			return nil, e
		}
		return nil, classify(op, c.target.URL, err)
	}
	if err := sess.readSetup(result, o); err != nil {
		sess.Close()
		return nil, &Error{Kind: KindBadResponse, Op: op, URL: c.target.URL, Description: err.Error()}
	}
	return sess, nil
}

func jsonHeader(r *http.Request) { r.Header.Set("Content-Type", "application/json") }

// readSetup checks the setup result and pins each host's key.
func (s *SSHSession) readSetup(result []byte, o SSHOptions) error {
	var resps []sshResp
	if err := json.Unmarshal(result, &resps); err != nil {
		return fmt.Errorf("SSH setup result does not parse: %v", err)
	}
	if len(resps) == 0 {
		return fmt.Errorf("director set up no SSH session: no instance of %s has a VM", s.target)
	}
	for _, r := range resps {
		id := r.ID
		if id == "" && r.Index != nil {
			id = strconv.Itoa(*r.Index)
		}
		if r.Status != "success" {
			return fmt.Errorf("director failed to set up SSH on %s/%s (status %q)", r.Job, id, r.Status)
		}
		if r.HostPublicKey == "" {
			return fmt.Errorf("director reported no host key for %s/%s: refusing to connect to an unknown key", r.Job, id)
		}
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(r.HostPublicKey))
		if err != nil {
			return fmt.Errorf("host key of %s/%s does not parse: %v", r.Job, id, err)
		}
		if net.ParseIP(r.IP) == nil {
			return fmt.Errorf("director reported no usable IP for %s/%s: %q", r.Job, id, r.IP)
		}
		s.Hosts = append(s.Hosts, SSHHost{Group: r.Job, IndexOrID: id, IP: r.IP, HostKey: key})
	}
	// The bosh CLI takes the gateway from the first element.
	s.route.directorGateway(resps[0].GatewayHost, resps[0].GatewayUser)
	return nil
}

// cleanupTimeout bounds the cleanup task, which runs even after the
// caller's context has ended.
const cleanupTimeout = 30 * time.Second

// Close asks the director to remove the session's user from every host of
// the target (a cleanup task, waited for) and closes connections through a
// gateway. It runs once; later calls return the first result. It does not
// use the caller's context, so it also runs after Ctrl-C.
func (s *SSHSession) Close() error {
	s.closeOnce.Do(func() {
		s.closeConns()
		s.route.close()
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if s.c != nil {
			s.closeErr = s.c.cleanUpSSH(ctx, s.target, s.user)
		}
	})
	return s.closeErr
}

func (c *Client) cleanUpSSH(ctx context.Context, t SSHTarget, user string) error {
	op := "ssh cleanup on " + t.String()
	sess, err := c.session(ctx, op)
	if err != nil {
		return err
	}
	body, err := sshBody(t, "cleanup", map[string]string{"user_regex": "^" + user})
	if err != nil {
		return &Error{Kind: KindConfig, Op: op, Err: err}
	}
	path := "/deployments/" + url.PathEscape(t.Deployment) + "/ssh"
	_, err = await(ctx, func() ([]byte, error) {
		return sess.wire.taskRequest(ctx, c.opts.PollInterval).PostResult(path, body, jsonHeader)
	})
	if err != nil {
		return classify(op, c.target.URL, err)
	}
	return nil
}
