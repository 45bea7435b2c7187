package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
	"github.com/tillpos/till/store"
)

// The head office's node: `till centre` runs it, the other forms read its
// database. No display, no Fyne: this file must never import ui or app.

func init() {
	register("centre", "the head office: centre [-dir DIR] [-chain NAME] [-window] [-leaf HOST:PORT] [-listen HOST:PORT] [-till STORE.TILL] | centre -nats URL[,URL] -nats-creds FILE|-nats-nkey FILE|-nats-auth FILE [-nats-ca FILE] [-nats-replicas N] [-dir DIR] [-till STORE.TILL] | centre join-token STORE TILL | centre revoke STORE TILL | centre add-till STORE TILL | centre status | centre audit | centre report -from DATE -to DATE",
		func(ctx context.Context, args []string) error { return runCentre(ctx, os.Stdout, args) })
}

const centreUsage = `centre [-dir DIR] [-chain NAME] [-window] [-leaf HOST:PORT] [-listen HOST:PORT] [-till STORE.TILL]...
                                                             run the head office until Ctrl-C (-window: with its back office;
                                                             -chain: the chain's name, once, at the first start)
       centre -nats URL[,URL] (-nats-creds FILE | -nats-nkey FILE | -nats-auth FILE) [-nats-ca FILE] [-nats-replicas N] [-dir DIR] [-till STORE.TILL]...
                                                             the same on an existing NATS cluster (JetStream domain centre)
       ` + centreJoinUsage + `
       centre add-till [-dir DIR] STORE TILL                 let a till's events in (joining does it)
       centre status [-dir DIR]                              tills, marks, gaps, audit breaks
       centre report [-dir DIR] -from YYYY-MM-DD -to YYYY-MM-DD   sales and approvals, both days included`

// centreDir is where the centre keeps its files by default: the user's
// data directory (XDG_DATA_HOME or ~/.local/share on Linux and BSD, the
// configuration directory elsewhere), till-centre.
func centreDir() (string, error) {
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "till-centre"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "till-centre"), nil
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory for the centre's files: give -dir (%w)", err)
	}
	return filepath.Join(h, ".local", "share", "till-centre"), nil
}

func centreFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("dir", "", "the centre's data directory (default: the user's data dir, till-centre)")
	return fs, dir
}

func resolveCentreDir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	return centreDir()
}

func runCentre(ctx context.Context, out io.Writer, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "join-token":
			return runCentreJoinToken(ctx, out, args[1:])
		case "revoke":
			return runCentreRevoke(ctx, out, args[1:])
		case "audit":
			return runCentreAudit(ctx, out, args[1:])
		case "add-till":
			return runCentreAddTill(ctx, out, args[1:])
		case "status":
			return runCentreStatus(ctx, out, args[1:])
		case "report":
			return runCentreReport(ctx, out, args[1:])
		}
	}
	fs, dirFlag := centreFlags("centre")
	leaf := fs.String("leaf", "0.0.0.0:7422", "host:port the tills' leaf connections dial")
	listen := fs.String("listen", "127.0.0.1:4222", "host:port for NATS clients (tools, monitoring)")
	var ext natsFlags
	ext.register(fs)
	var add []chain.TillID
	chainName := fs.String("chain", "", "the chain's name, given once at the first start (kept in master.db)")
	window := fs.Bool("window", false, "open the head office's back office window (master.db) beside the running centre")
	fs.Func("till", "STORE.TILL: add this till at start (as add-till does; repeat for more)", func(v string) error {
		st, tl, _ := strings.Cut(v, ".")
		id := chain.TillID{Store: st, Till: tl}
		if err := id.Valid(); err != nil {
			return err
		}
		add = append(add, id)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v\n%s", errUsage, err, centreUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q\n%s", errUsage, fs.Arg(0), centreUsage)
	}
	cluster, err := ext.cluster(fs)
	if err != nil {
		return err
	}
	dir, err := resolveCentreDir(*dirFlag)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("centre data directory: %w", err)
	}
	files := centreFiles{dir: dir}
	master, name, err := openChainMaster(ctx, files, *chainName, *window, out)
	if err != nil {
		return err
	}
	if master != nil {
		defer master.Close()
	}
	if cluster != nil {
		return runCentreOnCluster(ctx, out, files, add, cluster, master, name, *window)
	}
	// Tills join a named chain only: a till joined to a chain of no name
	// would refuse every bundle the named chain publishes later.
	var join *chain.JoinConfig
	if name != "" {
		if join, err = centreJoinConfig(files, name); err != nil {
			return err
		}
	}
	cdb, err := openCentreDB(ctx, files, add)
	if err != nil {
		return err
	}
	defer cdb.Close()
	log := centreLog()
	c, err := chain.StartCentre(ctx, chain.CentreConfig{Dir: dir, ClientAddr: *listen, LeafAddr: *leaf, Keys: cdb, Join: join, Log: log}, cdb)
	if err != nil {
		return fmt.Errorf("centre: %w (is another centre using %s or %s?)", err, *leaf, *listen)
	}
	defer c.Close()
	fmt.Fprintf(out, "centre running: data in %s\n  tills dial %s (leaf), tools connect to %s\n", dir, c.LeafURL(), c.ClientURL())
	if join != nil {
		fmt.Fprintf(out, "  a till joins: here, till centre join-token -dir %s STORE TILL; on the till, till join - nats://THIS-HOST:%s\n", dir, portOf(*listen))
	} else {
		fmt.Fprintln(out, "  joining is off until the chain has a name (start the centre once with -chain NAME)")
	}
	fmt.Fprintln(out, "Ctrl-C stops it.")
	return serveCentre(ctx, out, c, cdb, files, master, name, *window, log)
}

// openCentreDB opens the centre's database and lets in the tills of -till
// (as add-till does).
func openCentreDB(ctx context.Context, files centreFiles, add []chain.TillID) (*centredb.DB, error) {
	cdb, err := centredb.Open(ctx, files.centreDB())
	if err != nil {
		return nil, err
	}
	for _, id := range add {
		if err := cdb.AddTill(ctx, id); err != nil {
			cdb.Close()
			return nil, fmt.Errorf("add till %s: %w", id, err)
		}
	}
	return cdb, nil
}

func centreLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// serveCentre runs the started centre until ctx ends (or its window is
// closed): publishing master.db down when the chain has a name, sourcing
// the tills that join or add-till let in.
func serveCentre(ctx context.Context, out io.Writer, c *chain.Centre, cdb *centredb.DB, files centreFiles,
	master *store.DB, name string, window bool, log *slog.Logger,
) error {
	stopPublishing, err := startPublishing(ctx, c, cdb, files, master, name, out, log)
	if err != nil {
		return err
	}
	defer stopPublishing()
	if window {
		// The window runs on this goroutine (the display's); closing it
		// stops the centre.
		wctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); followTills(wctx, c, cdb, log) }()
		err := runCentreWindow(ctx, master, files.masterDB())
		stop()
		<-done
		fmt.Fprintln(out, "centre stopping")
		return err
	}
	followTills(ctx, c, cdb, log)
	fmt.Fprintln(out, "centre stopping")
	return nil
}

// followTills picks up tills added while the centre runs (add-till and
// joins write the database) within seconds, until ctx ends.
func followTills(ctx context.Context, c *chain.Centre, cdb *centredb.DB, log *slog.Logger) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			ids, err := cdb.Tills(ctx)
			if err != nil {
				log.Warn("centre: tills", "err", err)
				continue
			}
			for _, id := range ids {
				if err := c.AddTill(ctx, id); err != nil {
					log.Warn("centre: add till", "till", id.String(), "err", err)
				}
			}
		}
	}
}

func portOf(hostport string) string {
	for i := len(hostport) - 1; i >= 0; i-- {
		if hostport[i] == ':' {
			return hostport[i+1:]
		}
	}
	return hostport
}

func runCentreAddTill(ctx context.Context, out io.Writer, args []string) error {
	fs, dirFlag := centreFlags("centre add-till")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v\n%s", errUsage, err, centreUsage)
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("%w: centre add-till STORE TILL\n%s", errUsage, centreUsage)
	}
	id := chain.TillID{Store: fs.Arg(0), Till: fs.Arg(1)}
	if err := id.Valid(); err != nil {
		return err
	}
	dir, err := resolveCentreDir(*dirFlag)
	if err != nil {
		return err
	}
	cdb, err := centredb.Open(ctx, filepath.Join(dir, "centre.db"))
	if err != nil {
		return err
	}
	defer cdb.Close()
	if err := cdb.AddTill(ctx, id); err != nil {
		return fmt.Errorf("add till %s: %w", id, err)
	}
	fmt.Fprintf(out, "till %s of store %s added: a running centre sources it within seconds\n", id.Till, id.Store)
	return nil
}

func openCentreRO(ctx context.Context, dirFlag string) (*centredb.DB, error) {
	dir, err := resolveCentreDir(dirFlag)
	if err != nil {
		return nil, err
	}
	return centredb.OpenReadOnly(ctx, filepath.Join(dir, "centre.db"))
}

func runCentreStatus(ctx context.Context, out io.Writer, args []string) error {
	fs, dirFlag := centreFlags("centre status")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v\n%s", errUsage, err, centreUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q\n%s", errUsage, fs.Arg(0), centreUsage)
	}
	cdb, err := openCentreRO(ctx, *dirFlag)
	if err != nil {
		return err
	}
	defer cdb.Close()
	st, err := cdb.Status(ctx)
	if err != nil {
		return err
	}
	if len(st) == 0 {
		fmt.Fprintln(out, "no tills yet: till centre join-token STORE TILL")
		return printJoins(ctx, out, cdb)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STORE\tTILL\tLAST SEEN\tHWM\tEVENTS\tMISSING\tAUDIT BREAKS\tMATRIX\tCATALOGUE")
	breaks := 0
	for _, s := range st {
		seen := "never"
		if !s.LastSeen.IsZero() {
			seen = s.LastSeen.Local().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", s.Store, s.Till, seen, s.HWM, s.Held, s.Gap(), s.AuditBreaks, bundleVersion(s.Matrix), bundleVersion(s.Catalogue))
		breaks += s.AuditBreaks
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "MISSING: events the centre lacks below the newest it holds; the till re-sends them by itself.")
	fmt.Fprintln(out, "What a till has not sent yet shows on the till's status bar, not here.")
	fmt.Fprintln(out, "MATRIX, CATALOGUE: the version of the head office's bundle each till last applied, by its audit rows.")
	if err := printJoins(ctx, out, cdb); err != nil {
		return err
	}
	if breaks > 0 {
		bs, err := cdb.AuditBreaks(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\n%d audit break(s): a till's audit log did not continue; check that till with `till audit verify`:\n", breaks)
		for _, b := range bs {
			fmt.Fprintf(out, "  %s.%s event %d, audit row %d: %s (found %s)\n", b.Store, b.Till, b.Seq, b.ID, b.Reason, b.Found.Local().Format("2006-01-02 15:04"))
		}
	}
	return nil
}

func runCentreReport(ctx context.Context, out io.Writer, args []string) error {
	fs, dirFlag := centreFlags("centre report")
	fromS := fs.String("from", "", "first day, YYYY-MM-DD")
	toS := fs.String("to", "", "last day, YYYY-MM-DD (included)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v\n%s", errUsage, err, centreUsage)
	}
	if fs.NArg() > 0 || *fromS == "" || *toS == "" {
		return fmt.Errorf("%w: centre report -from YYYY-MM-DD -to YYYY-MM-DD\n%s", errUsage, centreUsage)
	}
	from, err := time.ParseInLocation(time.DateOnly, *fromS, time.Local)
	if err != nil {
		return fmt.Errorf("%w: -from %q: want YYYY-MM-DD", errUsage, *fromS)
	}
	to, err := time.ParseInLocation(time.DateOnly, *toS, time.Local)
	if err != nil {
		return fmt.Errorf("%w: -to %q: want YYYY-MM-DD", errUsage, *toS)
	}
	if to.Before(from) {
		return fmt.Errorf("%w: -to %s is before -from %s", errUsage, *toS, *fromS)
	}
	cdb, err := openCentreRO(ctx, *dirFlag)
	if err != nil {
		return err
	}
	defer cdb.Close()
	rep, err := cdb.Report(ctx, from, to.AddDate(0, 0, 1), time.Local)
	if err != nil {
		return err
	}
	// The zone as people read it ("MSK", "CET", "+03"): time.Local's own
	// name is "Local" when TZ is not set.
	fmt.Fprintf(out, "Sales %s to %s (days by the tills' clocks, in %s)\n", *fromS, *toS, from.Format("MST"))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STORE\tTILL\tCASHIER\tDAY\tSALES\tRETURNS\tTOTAL")
	var n, r int
	var total int64
	for _, s := range rep.Sales {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.Store, s.Till, s.Cashier, s.Day, s.Sales, s.Returns, minorUnits(s.Total))
		n, r, total = n+s.Sales, r+s.Returns, total+s.Total
	}
	fmt.Fprintf(tw, "all\t\t\t\t%d\t%d\t%s\n", n, r, minorUnits(total))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nApprovals (audit rows with an approver)")
	if len(rep.Approvals) == 0 {
		fmt.Fprintln(out, "none")
		return nil
	}
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STORE\tTILL\tAPPROVER\tACTION\tOUTCOME\tCOUNT")
	for _, a := range rep.Approvals {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", a.Store, a.Till, a.Approver, a.Action, a.Outcome, a.Count)
	}
	return tw.Flush()
}

// bundleVersion writes a bundle's version, "-" for none applied.
func bundleVersion(v int64) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatInt(v, 10)
}

// minorUnits writes an amount of minor units with two decimals.
func minorUnits(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}
