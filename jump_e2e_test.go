package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudfoundry/bosh-cli/v7/director"
	"github.com/cloudfoundry/bosh-cli/v7/uaa"
	boshlog "github.com/cloudfoundry/bosh-utils/logger"
	"golang.org/x/crypto/ssh"

	"bosun/internal/sshdtest"
	"bosun/sim"
)

// The jumpbox path end to end: the built binary with nothing but the
// export lines `sim serve` prints.

// pointAtServe sets e's environment to the export lines of ServeSetup, as
// `eval "$(bosun sim serve)"` does, and returns the directory of the files
// it wrote.
func (e *env) pointAtServe(f *sim.Foundation) string {
	e.t.Helper()
	dir := filepath.Join(e.vars["HOME"], "sim")
	if err := os.Mkdir(dir, 0o700); err != nil {
		e.t.Fatal(err)
	}
	out, err := f.ServeSetup(filepath.Join(dir, "ca.pem"))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(v, "'") {
			v = strings.ReplaceAll(strings.Trim(v, "'"), `'\''`, "'")
		}
		e.vars[k] = v
	}
	if !strings.HasPrefix(e.vars["BOSH_ALL_PROXY"], "ssh+socks5://jumpbox@") {
		e.t.Fatalf("sim serve exported no jumpbox:\n%s", out)
	}
	return dir
}

func TestJumpExportsAloneServeEveryCommand(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, APIServerStart: 30 * time.Millisecond})
	e := newEnv(t)
	e.pointAtServe(f)
	dep, _ := threeMasterClusterOff(t, e) // deployments, audit status
	clusters := decode[[]struct {
		Name       string `json:"name"`
		Deployment string `json:"deployment"`
	}](t, e.run("clusters", "--json"))
	cluster := ""
	for _, c := range clusters {
		if c.Deployment == dep {
			cluster = c.Name
		}
	}
	if cluster == "" {
		t.Fatalf("no cluster on %s in %v", dep, clusters)
	}
	for _, tc := range []struct {
		args []string
		want string // in stdout
	}{
		{[]string{"instances", "-d", dep}, "master/"},
		{[]string{"ssh", "-d", dep, "master/0", "-c", "whoami"}, "bosh_"},
		{[]string{"ssh", "-d", dep, "master", "-c", "hostname"}, "master/"},
		{[]string{"etcd", "-c", cluster}, "healthy ("},
		{[]string{"logs", "-d", dep, "master/0", "--dir", t.TempDir()}, ".tgz"},
		{[]string{"info"}, ""},
	} {
		r := e.run(tc.args...)
		// etcd exits 1 when a member is unhealthy, as one of this seed's is
		if (r.code != 0 && (tc.args[0] != "etcd" || r.code != 1)) || !strings.Contains(r.stdout, tc.want) {
			t.Errorf("bosun %s: exit %d, want %q in\n%s\n%s", strings.Join(tc.args, " "), r.code, tc.want, r.stdout, r.stderr)
		}
	}
	st := f.Stats().Jumpbox
	if st["director"] == 0 || st["uaa"] == 0 || st["vm"] == 0 || st["refused"] != 0 {
		t.Errorf("jumpbox channels %v: want the director, its UAA and the VMs reached through it", st)
	}
}

// With the jumpbox's key unlisted, nothing reaches the director, the UAA
// or a VM: the director client checks the key too.
func TestJumpUnlistedKeyRefusedEverywhere(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1})
	e := newEnv(t)
	e.pointAtServe(f)
	known := filepath.Join(e.vars["HOME"], "empty_known_hosts")
	if err := os.WriteFile(known, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e.vars["BOSUN_GW_KNOWN_HOSTS"] = known
	j, err := f.Jumpbox()
	if err != nil {
		t.Fatal(err)
	}
	fp := ssh.FingerprintSHA256(j.HostKey)
	// the director is never reached, so the names need not exist
	for _, args := range [][]string{{"deployments"}, {"ssh", "-d", "any", "-c", "true"}, {"audit", "status", "-c", "any"}} {
		r := e.run(args...)
		if r.code == 0 || !strings.Contains(r.stderr, fp) || !strings.Contains(r.stderr, known) {
			t.Errorf("bosun %s: exit %d, want a failure naming the jumpbox's key %s:\n%s", strings.Join(args, " "), r.code, fp, r.stderr)
		}
	}
	st := f.Stats()
	if len(st.Requests) != 0 || len(st.TokenGrants) != 0 || len(st.Jumpbox) != 0 {
		t.Fatalf("something got through: requests %v, grants %v, jumpbox %v", st.Requests, st.TokenGrants, st.Jumpbox)
	}
}

// OpenSSH's ssh -J reaches a VM through the jumpbox, with every host key
// checked: the jumpbox's from the file sim serve writes, the VM's from the
// SSH setup result.
func TestJumpOpenSSHProxyJump(t *testing.T) {
	sshdtest.Require(t, "ssh")
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 20 * time.Millisecond})
	e := newEnv(t)
	dir := e.pointAtServe(f)
	j, err := f.Jumpbox()
	if err != nil {
		t.Fatal(err)
	}

	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	vmKey := filepath.Join(dir, "vm.key")
	if err := os.WriteFile(vmKey, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	d := adminDirector(t, f)
	deps, err := d.Deployments()
	if err != nil {
		t.Fatal(err)
	}
	var dep director.Deployment
	for _, x := range deps {
		if strings.HasPrefix(x.Name(), "pivotal-container-service-") {
			dep = x
		}
	}
	if dep == nil {
		t.Fatal("no PKS control plane deployment")
	}
	res, err := dep.SetUpSSH(director.NewAllOrInstanceGroupOrInstanceSlug("pivotal-container-service", "0"),
		director.SSHOpts{Username: "bosh_jumptest", PublicKey: string(ssh.MarshalAuthorizedKey(sshPub))})
	if err != nil || len(res.Hosts) != 1 {
		t.Fatalf("SSH setup: %+v %v", res, err)
	}
	h := res.Hosts[0]
	known := e.vars["BOSUN_GW_KNOWN_HOSTS"]
	kh, err := os.OpenFile(known, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = kh.WriteString(h.Host + " " + h.HostPublicKey + "\n")
	kh.Close()
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(j.Addr, ":")
	cfg := filepath.Join(dir, "ssh_config")
	if err := os.WriteFile(cfg, []byte("Host jumpbox\n  HostName "+host+"\n  Port "+port+"\n  User jumpbox\n  IdentityFile "+
		filepath.Join(dir, f.JumpboxKeyFileName())+"\n"+"Host 10.*\n  IdentityFile "+vmKey+"\n"+
		"Host *\n  UserKnownHostsFile "+known+"\n  StrictHostKeyChecking yes\n  IdentitiesOnly yes\n  BatchMode yes\n  PasswordAuthentication no\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func() (string, error) {
		cmd := exec.Command("ssh", "-F", cfg, "-J", "jumpbox", h.Username+"@"+h.Host, "whoami")
		cmd.Env = []string{"HOME=" + e.vars["HOME"], "PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run()
	if err != nil || strings.TrimSpace(out) != "bosh_jumptest" {
		t.Fatalf("ssh -J jumpbox %s@%s whoami: %v\n%s", h.Username, h.Host, err, out)
	}
	if f.Stats().Jumpbox["vm"] != 1 {
		t.Errorf("jumpbox channels %v, want one to the VM", f.Stats().Jumpbox)
	}

	// scp (SFTP since OpenSSH 9) up to the VM and back.
	up, down := filepath.Join(dir, "up.txt"), filepath.Join(dir, "down.txt")
	if err := os.WriteFile(up, []byte("through the jumpbox\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{up, h.Username + "@" + h.Host + ":/tmp/up.txt"}, {h.Username + "@" + h.Host + ":/tmp/up.txt", down}} {
		cmd := exec.Command("scp", append([]string{"-F", cfg, "-J", "jumpbox"}, args...)...)
		cmd.Env = []string{"HOME=" + e.vars["HOME"], "PATH=" + os.Getenv("PATH")}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("scp %v: %v\n%s", args, err, out)
		}
	}
	if b, err := f.VMFile(dep.Name(), res.Hosts[0].IndexOrID, "/tmp/up.txt"); err != nil || string(b) != "through the jumpbox\n" {
		t.Errorf("the VM's /tmp/up.txt holds %q (%v)", b, err)
	}
	if b, err := os.ReadFile(down); err != nil || string(b) != "through the jumpbox\n" {
		t.Errorf("copied back %q (%v)", b, err)
	}

	// The jumpbox's key no longer listed: OpenSSH refuses it too.
	if err := os.WriteFile(known, []byte(h.Host+" "+h.HostPublicKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(); err == nil || !strings.Contains(out, "Host key verification failed") {
		t.Fatalf("ssh -J with the jumpbox's key unlisted: %v\n%s", err, out)
	}
}

// adminDirector is a bosh-cli director client for f's admin client.
func adminDirector(t *testing.T, f *sim.Foundation) director.Director {
	t.Helper()
	logger := boshlog.NewLogger(boshlog.LevelNone)
	ucfg, err := uaa.NewConfigFromURL(f.UAAURL())
	if err != nil {
		t.Fatal(err)
	}
	ucfg.CACert, ucfg.Client, ucfg.ClientSecret = f.CACertPEM(), f.ClientID(), f.ClientSecret()
	u, err := uaa.NewFactory(logger).New(ucfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := director.NewConfigFromURL(f.DirectorURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.CACert, cfg.TokenFunc = f.CACertPEM(), uaa.NewClientTokenSession(u).TokenFunc
	d, err := director.NewFactory(logger).New(cfg, director.NewNoopTaskReporter(), director.NewNoopFileReporter())
	if err != nil {
		t.Fatal(err)
	}
	return d
}
