package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"bosun/app"
	"bosun/bosh"
)

// gatewayFlags are the bosh CLI's --gw-* flags and their variables.
type gatewayFlags struct {
	host, user, keyPath, knownHosts string
	disable                         bool
}

func (gf *gatewayFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&gf.host, "gw-host", "", "gateway host[:port] (env BOSH_GW_HOST); overrides the director's")
	fl.StringVar(&gf.user, "gw-user", "", "gateway user (env BOSH_GW_USER)")
	fl.StringVar(&gf.keyPath, "gw-private-key", "", "gateway private key file (env BOSH_GW_PRIVATE_KEY)")
	fl.BoolVar(&gf.disable, "gw-disable", false, "do not use a gateway (env BOSH_GW_DISABLE)")
	fl.StringVar(&gf.knownHosts, "gw-known-hosts", "", "known_hosts file for the gateway's key (env BOSUN_GW_KNOWN_HOSTS; default ~/.ssh/known_hosts)")
}

// sshOptions builds the route to VMs from flags, then BOSH_* variables.
func (gf *gatewayFlags) sshOptions(s *session, errOut io.Writer) (bosh.SSHOptions, error) {
	env := func(flag, name string) string {
		if flag != "" {
			return flag
		}
		return os.Getenv(name)
	}
	o := bosh.SSHOptions{
		GatewayHost:       env(gf.host, "BOSH_GW_HOST"),
		GatewayUser:       env(gf.user, "BOSH_GW_USER"),
		GatewayDisable:    gf.disable || truthy(os.Getenv("BOSH_GW_DISABLE")),
		GatewayKnownHosts: env(gf.knownHosts, "BOSUN_GW_KNOWN_HOSTS"),
		AllProxy:          os.Getenv("BOSH_ALL_PROXY"),
	}
	if p := env(gf.keyPath, "BOSH_GW_PRIVATE_KEY"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return o, fmt.Errorf("gateway private key: %w", err)
		}
		o.GatewayPrivateKey = b
	}
	if s.demo != nil {
		// The simulated director names no gateway: the in-process
		// foundation's VMs are reached through its jumpbox, its key pinned.
		j, err := s.demo.Jumpbox()
		if err != nil {
			return o, err
		}
		o = bosh.SSHOptions{GatewayHost: j.Addr, GatewayUser: j.User, GatewayPrivateKey: j.PrivateKeyPEM, GatewayHostKey: j.HostKey}
	}
	return o, nil
}

func truthy(v string) bool { return v != "" && v != "false" && v != "0" }

func newSSHCmd(g *globals) *cobra.Command {
	var dep, command string
	var gf gatewayFlags
	cmd := &cobra.Command{
		Use:   "ssh -d DEPLOYMENT [INSTANCE] [-c COMMAND]",
		Short: "Shell or command on VMs through the director's SSH setup (as bosh ssh)",
		Long: "Opens an interactive shell on one instance (GROUP/INDEX or GROUP/UUID), or with -c runs a\n" +
			"command on one instance, a group or the whole deployment in parallel, each line prefixed\n" +
			"with its instance. The exit code is the worst remote exit code.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dep == "" {
				dep = os.Getenv("BOSH_DEPLOYMENT")
			}
			arg := ""
			if len(args) == 1 {
				arg = args[0]
			}
			return runSSH(cmd.Context(), g, &gf, dep, arg, command, cmd.Flags().Changed("command"), os.Stdin, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&dep, "deployment", "d", "", "deployment name (env BOSH_DEPLOYMENT)")
	cmd.Flags().StringVarP(&command, "command", "c", "", "command to run instead of a shell")
	gf.add(cmd)
	return cmd
}

func runSSH(ctx context.Context, g *globals, gf *gatewayFlags, dep, arg, command string, hasCommand bool, in io.Reader, out, errOut io.Writer) error {
	if hasCommand && strings.TrimSpace(command) == "" {
		return exitError{2, "-c needs a command"}
	}
	target, err := bosh.ParseSSHTarget(dep, arg)
	if err != nil {
		return exitError{2, err.Error()}
	}
	if !hasCommand && target.IndexOrID == "" {
		return exitError{2, "an interactive shell needs one instance: name GROUP/INDEX or GROUP/UUID, or run a command with -c"}
	}
	s, err := openGated(g, app.SSHPlan(target, command))
	if err != nil {
		return err
	}
	defer s.close()
	opts, err := gf.sshOptions(s, errOut)
	if err != nil {
		return exitError{2, err.Error()}
	}
	// Ctrl-C and SIGTERM end the session; cleanup still runs.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := s.RunSSH(ctx, target, command, opts, func(ctx context.Context, sess *bosh.SSHSession) (int, error) {
		if !hasCommand {
			stop() // in raw mode Ctrl-C belongs to the remote shell
			return sess.Shell(context.Background(), sess.Hosts[0], in, out, errOut)
		}
		return runEverywhere(ctx, sess, command, out, errOut), nil
	})
	if err != nil {
		if !hasCommand && code > 0 {
			return exitError{code, err.Error()}
		}
		return appError(err)
	}
	return exitFor(code)
}

func exitFor(code int) error {
	if code == 0 {
		return nil
	}
	return exitError{code: code}
}

// maxParallelSSH bounds the hosts a command runs on at once.
const maxParallelSSH = 10

// runEverywhere runs command on every host of the session, at most
// maxParallelSSH at once, prefixing each output line with the instance,
// and returns the worst exit code.
func runEverywhere(ctx context.Context, sess *bosh.SSHSession, command string, out, errOut io.Writer) int {
	var mu sync.Mutex // one line at a time on the user's streams
	var g errgroup.Group
	g.SetLimit(maxParallelSSH)
	worst := 0
	for _, h := range sess.Hosts {
		g.Go(func() error {
			prefix := h.Instance() + ": "
			o := &prefixWriter{mu: &mu, w: out, prefix: prefix}
			e := &prefixWriter{mu: &mu, w: errOut, prefix: prefix}
			code, err := sess.Run(ctx, h, command, nil, o, e)
			o.flush()
			e.flush()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fmt.Fprintf(errOut, "%s%s\n", prefix, oneLine(err.Error()))
				if errors.Is(err, bosh.ErrHostKeyMismatch) {
					code = max(code, 1)
				}
			}
			worst = max(worst, code)
			return nil
		})
	}
	g.Wait()
	return worst
}

// prefixWriter writes whole lines, each with a prefix, under a shared lock.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    bytes.Buffer
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf.Write(b)
	for {
		i := bytes.IndexByte(p.buf.Bytes(), '\n')
		if i < 0 {
			return len(b), nil
		}
		line := p.buf.Next(i + 1)
		p.mu.Lock()
		_, err := fmt.Fprintf(p.w, "%s%s", p.prefix, line)
		p.mu.Unlock()
		if err != nil {
			return len(b), err
		}
	}
}

// flush writes a last line without its newline.
func (p *prefixWriter) flush() {
	if p.buf.Len() == 0 {
		return
	}
	sc := bufio.NewScanner(&p.buf)
	p.mu.Lock()
	defer p.mu.Unlock()
	for sc.Scan() {
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, sc.Text())
	}
}
