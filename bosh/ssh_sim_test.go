package bosh_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"bosun/bosh"
	"bosun/sim"
)

// sshFixture is a simulated foundation with one 3-master cluster picked.
type sshFixture struct {
	f       *sim.Foundation
	c       *bosh.Client
	dep     string
	masters []bosh.Instance
	gwKey   ssh.PublicKey
	jump    sim.Jumpbox
}

// via is the route to the VMs through the jumpbox as a gateway (the
// director names none), its key pinned.
func (x *sshFixture) via() bosh.SSHOptions {
	return bosh.SSHOptions{GatewayHost: x.jump.Addr, GatewayUser: x.jump.User, GatewayPrivateKey: x.jump.PrivateKeyPEM, GatewayHostKey: x.gwKey}
}

func newSSHFixture(t *testing.T, o sim.Options) *sshFixture {
	t.Helper()
	o.Seed, o.TaskTime = 1, 20*time.Millisecond
	f := startSim(t, o)
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	ctx := context.Background()
	deps, err := c.Deployments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps {
		if !strings.HasPrefix(d.Name, "service-instance_") {
			continue
		}
		insts, err := c.Instances(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		var ms []bosh.Instance
		for _, in := range insts {
			if in.Group == "master" {
				ms = append(ms, in)
			}
		}
		if len(ms) == 3 {
			j, err := f.Jumpbox()
			if err != nil {
				t.Fatal(err)
			}
			return &sshFixture{f: f, c: c, dep: d.Name, masters: ms, gwKey: j.HostKey, jump: j}
		}
	}
	t.Fatal("no 3-master cluster in the simulated foundation")
	return nil
}

func (x *sshFixture) setup(t *testing.T, group, id string) *bosh.SSHSession {
	t.Helper()
	s, err := x.c.SetUpSSH(context.Background(), bosh.SSHTarget{Deployment: x.dep, Group: group, IndexOrID: id}, x.via())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (x *sshFixture) users(t *testing.T, id string) []string {
	t.Helper()
	u, err := x.f.SSHUsers(x.dep, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSSHSetupRunAndCleanup(t *testing.T) {
	x := newSSHFixture(t, sim.Options{})
	s := x.setup(t, "master", "")
	if len(s.Hosts) != 3 {
		t.Fatalf("hosts = %+v, want the 3 masters", s.Hosts)
	}
	if u := s.User(); len(u) != 20 || !strings.HasPrefix(u, "bosh_") {
		t.Fatalf("user %q: want bosh_ + 15 hex", u)
	}
	for _, m := range x.masters {
		if got := x.users(t, m.ID); len(got) != 1 || got[0] != s.User() {
			t.Fatalf("users on %s = %v, want [%s]", m.Name, got, s.User())
		}
	}
	ctx := context.Background()
	h := s.Hosts[0]
	var out, errOut bytes.Buffer
	code, err := s.Run(ctx, h, "sudo /var/vcap/bosh/bin/monit summary", nil, &out, &errOut)
	if err != nil || code != 0 || !strings.Contains(out.String(), "Process 'kube-apiserver'") {
		t.Fatalf("monit summary: code %d err %v out %q err %q", code, err, out.String(), errOut.String())
	}
	out.Reset()
	code, _ = s.Run(ctx, h, "monit summary", nil, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "Permission denied") {
		t.Fatalf("monit without sudo: code %d, stderr %q", code, errOut.String())
	}
	code, err = s.Run(ctx, h, "true && exit 3", nil, &out, &errOut)
	if err != nil || code != 3 {
		t.Fatalf("exit 3: code %d err %v", code, err)
	}
	out.Reset()
	code, err = s.Run(ctx, h, "sh -c 'cat > /tmp/x && sha256sum /tmp/x'", strings.NewReader("hello\n"), &out, &errOut)
	if err != nil || code != 0 || !strings.HasPrefix(out.String(), "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  /tmp/x") {
		t.Fatalf("write: code %d err %v out %q", code, err, out.String())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, m := range x.masters {
		if got := x.users(t, m.ID); len(got) != 0 {
			t.Fatalf("users on %s after cleanup = %v", m.Name, got)
		}
	}
	if _, err := s.Run(ctx, h, "true", nil, &out, &errOut); err == nil {
		t.Fatal("a closed session still connects")
	}
}

func TestSSHHostKeyMismatchRefused(t *testing.T) {
	x := newSSHFixture(t, sim.Options{})
	s := x.setup(t, "master", "0")
	defer s.Close()
	if err := x.f.RotateSSHHostKey(x.dep, x.masters[0].ID); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	code, err := s.Run(context.Background(), s.Hosts[0], "cat /etc/ssh/ssh_host_rsa_key.pub", nil, &out, &out)
	if !errors.Is(err, bosh.ErrHostKeyMismatch) || code != bosh.ExitMissing || out.Len() != 0 {
		t.Fatalf("code %d err %v out %q: want the host key refused", code, err, out.String())
	}
}

func TestSSHGatewayKeyMismatchRefused(t *testing.T) {
	x := newSSHFixture(t, sim.Options{})
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ssh.NewPublicKey(priv.Public())
	o := x.via()
	o.GatewayHostKey = other
	s, err := x.c.SetUpSSH(context.Background(), bosh.SSHTarget{Deployment: x.dep, Group: "master", IndexOrID: "0"}, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Run(context.Background(), s.Hosts[0], "true", nil, nil, nil); err == nil || !strings.Contains(err.Error(), "gateway") {
		t.Fatalf("err = %v, want the gateway's unknown key refused", err)
	}
}

func TestSSHCleanupAfterFailure(t *testing.T) {
	x := newSSHFixture(t, sim.Options{})
	s := x.setup(t, "master", x.masters[1].ID)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as after Ctrl-C
	if _, err := s.Run(ctx, s.Hosts[0], "true", nil, nil, nil); err == nil {
		t.Fatal("run with an ended context succeeded")
	}
	if got := x.users(t, x.masters[1].ID); len(got) != 1 {
		t.Fatalf("users before cleanup = %v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("cleanup after a cancelled run: %v", err)
	}
	if got := x.users(t, x.masters[1].ID); len(got) != 0 {
		t.Fatalf("users after cleanup = %v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestSSHSetupErrors(t *testing.T) {
	x := newSSHFixture(t, sim.Options{})
	ctx := context.Background()
	_, err := x.c.SetUpSSH(ctx, bosh.SSHTarget{Deployment: "nope"}, bosh.SSHOptions{})
	if bosh.KindOf(err) != bosh.KindNotFound {
		t.Fatalf("missing deployment: %v (kind %v)", err, bosh.KindOf(err))
	}
	_, err = x.c.SetUpSSH(ctx, bosh.SSHTarget{Deployment: x.dep, Group: "master", IndexOrID: "7"}, bosh.SSHOptions{})
	if err == nil || !strings.Contains(err.Error(), "no SSH session") {
		t.Fatalf("no such instance: %v", err)
	}
	_, err = x.c.SetUpSSH(ctx, bosh.SSHTarget{Deployment: x.dep}, bosh.SSHOptions{AllProxy: "ssh+socks5://jumpbox@127.0.0.1:22"})
	if bosh.KindOf(err) != bosh.KindConfig || !strings.Contains(err.Error(), "private-key") {
		t.Fatalf("proxy without key: %v", err)
	}
	for _, bad := range []string{"/0", "master/0/1", "master 0"} {
		if _, err := bosh.ParseSSHTarget(x.dep, bad); err == nil {
			t.Errorf("ParseSSHTarget(%q) accepted", bad)
		}
	}
	if _, err := bosh.ParseSSHTarget("", "master/0"); err == nil {
		t.Error("ParseSSHTarget without a deployment accepted")
	}
	if tg, err := bosh.ParseSSHTarget(x.dep, "master/1"); err != nil || tg.Group != "master" || tg.IndexOrID != "1" {
		t.Errorf("ParseSSHTarget(master/1) = %+v, %v", tg, err)
	}
}

func TestSSHThroughAllProxy(t *testing.T) {
	x := newSSHFixture(t, sim.Options{})
	pemKey, err := x.f.JumpboxPrivateKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(t.TempDir(), "jumpbox.pem")
	if err := os.WriteFile(keyPath, pemKey, 0o600); err != nil {
		t.Fatal(err)
	}
	gw, _ := x.f.SSHGatewayAddr()
	s, err := x.c.SetUpSSH(context.Background(), bosh.SSHTarget{Deployment: x.dep, Group: "master", IndexOrID: "2"},
		bosh.SSHOptions{AllProxy: "ssh+socks5://jumpbox@" + gw + "?private-key=" + keyPath, GatewayHostKey: x.gwKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out bytes.Buffer
	code, err := s.Run(context.Background(), s.Hosts[0], "whoami", nil, &out, &out)
	if err != nil || code != 0 || strings.TrimSpace(out.String()) != s.User() {
		t.Fatalf("whoami through the jump box: code %d err %v out %q", code, err, out.String())
	}
}

func TestSSHDropMidCommand(t *testing.T) {
	x := newSSHFixture(t, sim.Options{})
	s := x.setup(t, "master", "0")
	defer s.Close()
	x.f.SetFaults(sim.Faults{SSHDropAfter: 1000})
	var out bytes.Buffer
	code, err := s.Run(context.Background(), s.Hosts[0], "sh -c 'cat > /tmp/big && sha256sum /tmp/big'",
		bytes.NewReader(bytes.Repeat([]byte("x"), 5000)), &out, &out)
	if err == nil || code != bosh.ExitMissing {
		t.Fatalf("code %d err %v: want the dropped connection reported", code, err)
	}
}

func TestSSHShellNonInteractiveInput(t *testing.T) {
	x := newSSHFixture(t, sim.Options{})
	s := x.setup(t, "master", "0")
	defer s.Close()
	var out bytes.Buffer
	code, err := s.Shell(context.Background(), s.Hosts[0], strings.NewReader("sudo -i\nwhoami\nexit 2\n"), &out, &out)
	if err != nil || code != 2 || !strings.Contains(out.String(), "root") {
		t.Fatalf("shell: code %d err %v out %q", code, err, out.String())
	}
}

func TestSSHUnlistedGatewayRefusedListedAccepted(t *testing.T) {
	x := newSSHFixture(t, sim.Options{})
	known := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(known, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	target := bosh.SSHTarget{Deployment: x.dep, Group: "master", IndexOrID: "0"}
	o := x.via()
	o.GatewayHostKey, o.GatewayKnownHosts = nil, known
	s, err := x.c.SetUpSSH(context.Background(), target, o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Run(context.Background(), s.Hosts[0], "true", nil, nil, nil)
	s.Close()
	if err == nil || !strings.Contains(err.Error(), bosh.ErrHostKeyUnknown.Error()) || !strings.Contains(err.Error(), "SHA256:") {
		t.Fatalf("err = %v, want the unlisted gateway refused with its fingerprint", err)
	}

	line, err := x.f.GatewayKnownHostsLine()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(known, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = x.c.SetUpSSH(context.Background(), target, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if code, err := s.Run(context.Background(), s.Hosts[0], "true", nil, nil, nil); err != nil || code != 0 {
		t.Fatalf("listed gateway: code %d, err %v", code, err)
	}
}
