package main

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

func init() { subcommands = append(subcommands, newSimCmd) }

func newSimCmd(g *globals) *cobra.Command {
	simCmd := &cobra.Command{Use: "sim", Short: "The simulated foundation (BOSH director and UAA)"}
	var o sim.Options
	var caOut string
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Run the simulated foundation until interrupted and print export lines for bosun and the bosh CLI",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			if err := os.WriteFile(caOut, []byte(f.CACertPEM()), 0o644); err != nil {
				return fmt.Errorf("write CA certificate: %w", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprint(out, f.Exports(caOut))
			fmt.Fprintf(out, "# simulated director %s (uuid %s), UAA %s; Ctrl-C stops it\n", f.DirectorURL(), f.UUID(), f.UAAURL())
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			return nil
		},
	}
	fl := serve.Flags()
	fl.StringVar(&o.Listen, "listen", "127.0.0.1:25555", "director address")
	fl.IntVar(&o.Deployments, "deployments", 0, "filler deployments besides the PKS foundation")
	fl.IntVar(&o.InstancesPerDeployment, "instances-per-deployment", 50, "instances of each filler deployment")
	fl.IntVar(&o.Workers, "workers", 5, "director task workers")
	fl.DurationVar(&o.TaskTime, "task-time", 300*time.Millisecond, "time each director task takes")
	fl.DurationVar(&o.Latency, "latency", 0, "latency added to every request")
	fl.DurationVar(&o.TokenTTL, "token-ttl", 10*time.Minute, "UAA access token lifetime")
	fl.Int64Var(&o.Seed, "seed", 1, "content seed: the same seed gives the same foundation")
	fl.StringVar(&o.Auth, "auth", "uaa", "director auth: uaa or basic")
	fl.StringVar(&caOut, "ca-out", "", "write the CA certificate here (default: a temporary file removed on exit)")
	simCmd.AddCommand(serve)
	return simCmd
}
