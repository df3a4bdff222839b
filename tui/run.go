package tui

import (
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
)

// Validate checks the options main passes in.
func (o Options) Validate() error {
	switch o.StartScreen {
	case "", StartDeployments:
		if o.StartDeployment != "" {
			return fmt.Errorf("a start deployment (%q) needs the instances start screen", o.StartDeployment)
		}
	case StartInstances:
	default:
		return fmt.Errorf("unknown start screen %q (want %q or %q)", o.StartScreen, StartDeployments, StartInstances)
	}
	if o.RefreshEvery < 0 || o.DetailsEvery < 0 {
		return errors.New("refresh intervals must not be negative")
	}
	return nil
}

// Run starts the TUI in the alternate screen and returns when it quits.
func Run(o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := checkKeys(DefaultKeyMap()); err != nil {
		return err
	}
	_, err := tea.NewProgram(New(o), tea.WithAltScreen()).Run()
	return err
}
