package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"bosun/app"
	"bosun/bosh"
	"bosun/pks"
)

// auditFlags are the options of the audit subcommands.
type auditFlags struct {
	cluster           string
	level, policy     string
	maxAge, maxBackup int
	maxSize           int
	dryRun            bool
	healthTimeout     time.Duration
	pollEvery         time.Duration
	gw                gatewayFlags
}

func newAuditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "kube-apiserver audit logging on every master of a cluster: status, enable, disable",
		Long: "Reads and changes the kube-apiserver audit flags in bpm.yml on each master of a PKS cluster,\n" +
			"over SSH through the director. Changes roll one master at a time with a backup, an atomic\n" +
			"write, a monit restart and a health check, and are rolled back on a master that is not\n" +
			"healthy. A later `bosh deploy` or `tkgi update-cluster` re-renders bpm.yml and reverts them.",
	}
	for _, action := range []string{"status", "enable", "disable"} {
		af := &auditFlags{}
		sub := &cobra.Command{
			Use:   action + " -c CLUSTER",
			Short: map[string]string{"status": "Show audit flags, policy level and drift of every master", "enable": "Turn audit logging on, one master at a time", "disable": "Turn audit logging off, one master at a time"}[action],
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return runAudit(cmd, g, action, af)
			},
		}
		fl := sub.Flags()
		fl.StringVarP(&af.cluster, "cluster", "c", "", "cluster: its PKS name, uuid or deployment (service-instance_<uuid>)")
		af.gw.add(sub)
		if action != "status" {
			fl.BoolVar(&af.dryRun, "dry-run", false, "show the per-master diff of bpm.yml and the policy; change nothing")
			fl.DurationVar(&af.healthTimeout, "health-timeout", 2*time.Minute, "how long each master may take to be healthy after its restart")
			fl.DurationVar(&af.pollEvery, "health-poll", time.Second, "health check interval")
		}
		if action == "enable" {
			fl.StringVar(&af.level, "level", "", "audit level of bosun's policy: None, Metadata (default), Request, RequestResponse")
			fl.StringVar(&af.policy, "policy", "", "your own audit policy file (audit.k8s.io/v1), validated before upload")
			fl.IntVar(&af.maxAge, "maxage", -1, "--audit-log-maxage, days (default: kept, else 30)")
			fl.IntVar(&af.maxBackup, "maxbackup", -1, "--audit-log-maxbackup, files (default: kept, else 10)")
			fl.IntVar(&af.maxSize, "maxsize", -1, "--audit-log-maxsize, MB (default: kept, else 100)")
		}
		cmd.AddCommand(sub)
	}
	return cmd
}

// clusterUUID is a PKS cluster uuid.
var clusterUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// clusterDeployment maps a cluster argument to its BOSH deployment.
func clusterDeployment(arg string) (string, error) {
	switch {
	case arg == "":
		return "", errors.New("name a cluster with -c (its deployment service-instance_<uuid> or its uuid)")
	case strings.HasPrefix(arg, "service-instance_") && clusterUUID.MatchString(strings.TrimPrefix(arg, "service-instance_")):
		return strings.ToLower(arg), nil
	case clusterUUID.MatchString(arg):
		return "service-instance_" + strings.ToLower(arg), nil
	}
	return "", fmt.Errorf("cluster %q: name its deployment (service-instance_<uuid>) or its uuid", arg)
}

// change builds the requested change and checks it before any connection.
func (af *auditFlags) change(action string) (pks.AuditChange, error) {
	c := pks.AuditChange{Enable: action == "enable"}
	if !c.Enable {
		return c, nil
	}
	if af.level != "" && af.policy != "" {
		return c, errors.New("--level and --policy exclude each other: the level builds bosun's policy")
	}
	if af.level != "" && !pks.ValidLevel(af.level) {
		return c, fmt.Errorf("--level %q: want None, Metadata, Request or RequestResponse", af.level)
	}
	c.Level = af.level
	if af.policy != "" {
		b, err := os.ReadFile(af.policy)
		if err != nil {
			return c, fmt.Errorf("--policy: %w", err)
		}
		if _, err := pks.ValidatePolicy(b); err != nil {
			return c, fmt.Errorf("--policy %s: %w", af.policy, err)
		}
		c.Policy = b
	}
	for name, v := range map[string]*int{"--maxage": &af.maxAge, "--maxbackup": &af.maxBackup, "--maxsize": &af.maxSize} {
		if *v < -1 {
			return c, fmt.Errorf("%s %d: must not be negative", name, *v)
		}
	}
	opt := func(v int) *int {
		if v < 0 {
			return nil
		}
		return &v
	}
	c.MaxAge, c.MaxBackup, c.MaxSize = opt(af.maxAge), opt(af.maxBackup), opt(af.maxSize)
	return c, nil
}

func runAudit(cmd *cobra.Command, g *globals, action string, af *auditFlags) error {
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if af.cluster == "" {
		return exitError{2, "name a cluster with -c (its PKS name, uuid or deployment service-instance_<uuid>)"}
	}
	// A deployment name or uuid needs no PKS API; a cluster name is looked
	// up in the PKS API (or its cache) once the session is open.
	dep, byName := clusterDeployment(af.cluster)
	change, err := af.change(action)
	if err != nil {
		return exitError{2, err.Error()}
	}
	// Refused before anything is asked: reading the flags sets up SSH,
	// which adds a user on every master.
	kind := app.Read
	if action != "status" && !af.dryRun {
		kind = app.Change
	}
	s, err := openGated(g, app.Plan{Kind: kind, Action: "audit " + action, Deployment: dep, Cluster: af.cluster})
	if err != nil {
		return err
	}
	defer s.close()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, _, err := s.DirectorInfo(ctx, false); err != nil {
		return err
	}
	s.warnCache(errOut)
	cluster := strings.TrimPrefix(dep, "service-instance_") // the uuid, until the name is known
	if byName != nil {
		_, e, err := resolveCluster(ctx, g, s, af.cluster, false, errOut)
		if err != nil {
			return err
		}
		if e.Deployment == "" {
			return exitError{2, fmt.Sprintf("cluster %s has no deployment on the director yet", af.cluster)}
		}
		dep, cluster = e.Deployment, e.Name
	}
	opts, err := af.gw.sshOptions(s, errOut)
	if err != nil {
		return exitError{2, err.Error()}
	}
	if action == "status" {
		masters, err := s.AuditStatus(ctx, dep, opts)
		if err != nil {
			return appError(err)
		}
		return printAuditStatus(g, cluster, dep, masters, out)
	}
	sess, plans, err := s.PlanAudit(ctx, dep, change, opts)
	if err != nil {
		return appError(err)
	}
	defer func() {
		if err := sess.Close(); err != nil {
			fmt.Fprintln(errOut, "bosun: warning: SSH cleanup failed, the user "+sess.User()+" may remain: "+oneLine(err.Error()))
		}
	}()
	if af.dryRun {
		return printAuditPlan(g, cluster, dep, action, plans, out)
	}
	confirm := app.Yes
	if !g.yes {
		confirm = func(p app.Plan) (bool, error) { return confirmAudit(p, plans, out) }
	}
	// From here a signal finishes the master being changed and stops; a
	// second one rolls that master back at once. Either is recorded.
	stop()
	in := interruptible(cmd.Context(), errOut, "finishing the master being changed, then stopping")
	defer in.release()
	o := pks.RollOptions{
		HealthTimeout: af.healthTimeout,
		PollEvery:     af.pollEvery,
		Stop:          in.stop,
		Progress: func(st pks.RollStep) {
			fmt.Fprintf(errOut, "bosun: %s: %s\n", st.Instance, st.Step)
		},
	}
	results, rollErr := s.ApplyAudit(in.ctx, sess, dep, af.cluster, change.Enable, plans, confirm, o)
	var refused *app.RefusedError
	switch {
	case errors.As(rollErr, &refused):
		return exitError{2, refused.Reason}
	case errors.Is(rollErr, app.ErrNotConfirmed):
		return exitError{exitFailed, "not confirmed; nothing changed"}
	}
	if g.jsonOut {
		doc := map[string]any{"cluster": cluster, "deployment": dep, "action": action, "masters": results}
		if rollErr != nil {
			doc["error"] = rollErr.Error()
		}
		if err := writeJSON(out, doc); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "MASTER\tOUTCOME\tDETAIL\tBACKUP")
		for _, r := range results {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Instance, r.Outcome, dash(r.Detail), dash(r.Backup))
		}
		tw.Flush()
	}
	fmt.Fprintln(errOut, "bosun: note: a later `bosh deploy` or `tkgi update-cluster` re-renders bpm.yml and reverts this change; `bosun audit status` detects it")
	if in.exitCode() != 0 {
		return in.interrupted(rollErr)
	}
	if rollErr != nil {
		return exitError{1, rollErr.Error()}
	}
	return nil
}

// auditStatusDoc is the JSON of audit status (DESIGN.md contract).
type auditStatusDoc struct {
	Cluster    string            `json:"cluster"`
	Deployment string            `json:"deployment"`
	Masters    []pks.MasterAudit `json:"masters"`
}

// printAuditStatus prints the masters' audit state; a master that could
// not be read makes it partial (exit 3), drift or a reverted change a
// finding (exit 1).
func printAuditStatus(g *globals, cluster, dep string, masters []pks.MasterAudit, out io.Writer) error {
	failed, drifted := 0, 0
	for i, m := range masters {
		if m.Error != "" {
			failed++
		}
		if m.Drift || m.Reverted {
			drifted++
		}
		masters[i].DriftFlags = nonNil(m.DriftFlags)
	}
	if masters == nil {
		masters = []pks.MasterAudit{}
	}
	if g.jsonOut {
		if err := writeJSON(out, auditStatusDoc{Cluster: cluster, Deployment: dep, Masters: masters}); err != nil {
			return err
		}
	} else {
		writeAuditStatus(out, dep, masters)
	}
	if failed > 0 {
		return partial(fmt.Sprintf("%d of %d masters could not be read", failed, len(masters)))
	}
	if drifted > 0 {
		return exitError{exitFound, fmt.Sprintf("%d of %d masters drift from bpm.yml or from bosun's last change", drifted, len(masters))}
	}
	return nil
}

func writeAuditStatus(out io.Writer, dep string, masters []pks.MasterAudit) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MASTER\tAUDIT\tLEVEL\tLOG PATH\tMAXAGE/BACKUP/SIZE\tPROCESS\tDRIFT\tNOTE")
	reverted := false
	for _, m := range masters {
		on, drift, note := m.Cells() // the note says why a master differs from bosun's record
		reverted = reverted || m.Reverted
		fl := m.Flags
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s/%s/%s\t%s\t%s\t%s\n", m.Instance, on, dash(m.PolicyLevel), dash(fl["audit-log-path"]),
			dash(fl["audit-log-maxage"]), dash(fl["audit-log-maxbackup"]), dash(fl["audit-log-maxsize"]), dash(m.ProcessState), drift, note)
	}
	tw.Flush()
	for _, m := range masters {
		for _, d := range m.DriftFlags {
			fmt.Fprintf(out, "drift %s: %s\n", m.Instance, d)
		}
		if m.Lock != nil {
			fmt.Fprintf(out, "\nAn audit roll's lock is held on %s by %s. A rerun from the same machine takes over a lock\n"+
				"its killed bosun left; otherwise, once no bosun is running: %s\n", m.Instance, m.Lock, pks.UnlockCommand(dep, m.Instance))
		}
	}
	if reverted {
		fmt.Fprintln(out, "\nbpm.yml was rewritten on the masters marked reverted; run `bosun audit enable` again or make the change persistent in the cluster's plan.")
	}
}

func printAuditPlan(g *globals, cluster, dep, action string, plans []pks.MasterPlan, out io.Writer) error {
	if g.jsonOut {
		type planJSON struct {
			Instance   string            `json:"instance"`
			Change     bool              `json:"change"`
			BPMDiff    string            `json:"bpm_diff"`
			PolicyDiff string            `json:"policy_diff"`
			Flags      map[string]string `json:"flags_after"`
		}
		var ps []planJSON
		for _, p := range plans {
			ps = append(ps, planJSON{p.Instance(), !p.NoChange(), p.BPMDiff(), p.PolicyDiff(), p.FlagsAfter})
		}
		return writeJSON(out, map[string]any{"cluster": cluster, "deployment": dep, "action": action, "dry_run": true, "masters": ps})
	}
	for _, p := range plans {
		fmt.Fprintf(out, "== %s", p.Instance())
		if p.NoChange() {
			fmt.Fprintln(out, ": already as asked, no change")
			continue
		}
		fmt.Fprintln(out)
		fmt.Fprint(out, pks.PlanDiff(p))
	}
	fmt.Fprintln(out, "\nDry run: nothing changed. By hand this would be, one master at a time:")
	for _, c := range app.ManualAuditCommands(dep, plans) {
		fmt.Fprintln(out, "  "+c)
	}
	return nil
}

// confirmAudit asks on the terminal, default No; without a terminal it
// refuses, as scripted actions need --yes.
func confirmAudit(p app.Plan, plans []pks.MasterPlan, out io.Writer) (bool, error) {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return false, errors.New(p.Action + " changes " + p.Deployment + ": refusing without --yes")
	}
	n := 0
	for _, mp := range plans {
		if !mp.NoChange() {
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(out, "Every master is already as asked.")
		return true, nil
	}
	for _, st := range p.Steps {
		fmt.Fprintln(out, st)
	}
	fmt.Fprintln(out, "Equivalent by hand:")
	for _, c := range app.ManualAuditCommands(p.Deployment, plans) {
		fmt.Fprintln(out, "  "+c)
	}
	fmt.Fprintf(out, "%s on %d masters of %s, one at a time with kube-apiserver restarts? [y/N] ", p.Action, n, p.Deployment)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// appError gives an app error its exit code: refused and unknown are 2.
func appError(err error) error {
	var refused *app.RefusedError
	var unknown *app.UnknownError
	switch {
	case errors.As(err, &refused):
		return exitError{2, refused.Reason}
	case errors.As(err, &unknown):
		return exitError{2, unknown.What}
	case bosh.KindOf(err) == bosh.KindTaskFailed:
		return exitError{exitFound, oneLine(err.Error())} // a followed task that failed
	}
	return err
}
