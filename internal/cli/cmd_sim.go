package cli

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"bosun/sim"
)

func newSimCmd(g *globals) *cobra.Command {
	simCmd := &cobra.Command{Use: "sim", Short: "The simulated foundation (BOSH director and UAA)"}
	var o sim.Options
	var caOut string
	var serveOpts sim.ServeOptions
	var sinkTo string // cmd_events.go: sink traffic
	var sinkRate int
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Run the simulated foundation until interrupted and print export lines for bosun and the bosh CLI",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.TaskTime == 0 {
				// sim.Options reads zero as "the default"; on the command
				// line --task-time 0 means tasks finish at once.
				o.TaskTime = time.Nanosecond
			}
			if o.DriftSeed != 0 {
				o.Drift = true
			}
			f, err := sim.Start(o)
			if err != nil {
				return err
			}
			defer f.Close()
			if caOut == "" {
				dir, err := os.MkdirTemp("", "bosun-sim-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				caOut = filepath.Join(dir, "ca.pem")
			}
			out := cmd.OutOrStdout()
			lines, err := f.ServeSetupWith(caOut, serveOpts)
			if err != nil {
				return err
			}
			fmt.Fprint(out, lines)
			if sinkTo != "" {
				sink, err := f.StartSink(sim.SinkOptions{Addr: sinkTo, Rate: sinkRate})
				if err != nil {
					return err
				}
				defer sink.Close()
				fmt.Fprintf(out, "# sink traffic: %d frames/s of Kubernetes events to %s\n", sinkRate, sinkTo)
			}
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			return nil
		},
	}
	fl := serve.Flags()
	fl.StringVar(&o.Listen, "listen", "127.0.0.1:25555", "director address")
	fl.StringVar(&o.PKSListen, "pks-listen", "", "PKS API address (default: the director's host, any free port); its UAA takes another free port")
	fl.StringVar(&o.UsageDB, "usage-db", "billing", "PKS usage data: billing (TKGI 1.7-1.8), telemetry (PKS 1.0-1.2) or none (TKGI 1.9+)")
	fl.IntVar(&o.Deployments, "deployments", 0, "filler deployments besides the PKS foundation")
	fl.IntVar(&o.InstancesPerDeployment, "instances-per-deployment", 50, "instances of each filler deployment")
	fl.IntVar(&o.Workers, "workers", 5, "director task workers")
	fl.DurationVar(&o.TaskTime, "task-time", 300*time.Millisecond, "time each director task takes")
	fl.DurationVar(&o.Latency, "latency", 0, "latency added to every request")
	fl.DurationVar(&o.TokenTTL, "token-ttl", 10*time.Minute, "UAA access token lifetime")
	fl.Int64Var(&o.Seed, "seed", 1, "content seed: the same seed gives the same foundation")
	fl.StringVar(&o.Auth, "auth", "uaa", "director auth: uaa or basic")
	fl.BoolVar(&o.Drift, "drift", false, "cloud-check drift on a PKS cluster, Harbor and the PKS control plane")
	fl.Int64Var(&o.DriftSeed, "drift-seed", 0, "chooses the drifted instances (implies --drift; default: --seed)")
	fl.StringVar(&sinkTo, "sink-to", "", "send the clusters' Kubernetes events as PKS sinks do (RFC 5424, octet counting) to this host:port")
	fl.IntVar(&sinkRate, "sink-rate", 50, "sink frames per second, with --sink-to")
	fl.StringVar(&caOut, "ca-out", "", "write the CA certificate here, and beside it the jumpbox's known_hosts and private key (default: a temporary directory removed on exit)")
	fl.BoolVar(&serveOpts.NoJumpbox, "no-jumpbox", false, "leave BOSH_ALL_PROXY (the jumpbox) out of the export lines")
	fl.Var((*byteSize)(&o.LogSize), "log-size", "size of each log bundle, e.g. 500MB (default: natural size, tens of KB)")
	fl.IntVar(&o.Faults.DropDownloads, "drop-downloads", 0, "fault: cut the next N log bundle downloads halfway")
	fl.BoolVar(&o.Faults.FailLogs, "fail-logs", false, "fault: fetch-logs tasks fail as if the agent did not answer")
	fl.DurationVar(&o.APIServerStart, "apiserver-start", 2*time.Second, "time a master's kube-apiserver takes to start")
	fl.IntVar(&o.Faults.SSHDropAfter, "ssh-drop-after", 0, "fault: cut SSH connections to VMs after a command received N bytes of input")
	fl.StringVar(&o.Faults.StuckAPIServer, "stuck-apiserver", "", "fault: this master (uuid) does not come back after a restart with changed flags")
	simCmd.AddCommand(serve)
	return simCmd
}
