// Command ferretdb-dev runs FerretDB 1.24 in-process through its embeddable
// package, because the upstream cmd/ferretdb panics when built with `go install`
// (it expects generated version files). SQLite is the default backend (a data
// directory); -postgresql-url switches to the PostgreSQL backend, which pushes
// filters down to SQL and is the one to use for figures at scale.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("sqlite-dir", "", "SQLite data directory (default backend)")
	pgURL := flag.String("postgresql-url", "", "PostgreSQL URL; selects the PostgreSQL backend")
	logLevel := flag.String("log-level", "warn", "FerretDB log level: debug, info, warn or error")
	// WAL with synchronous=NORMAL does not fsync at every commit: a commit survives a crash
	// of any process (FerretDB's included), and the last ones may be lost only with the
	// machine's power. That is MongoDB's own default ({w: 1}, the journal written every
	// 100 ms), which the suite runs on in compose; FULL cost a single-document write
	// 0.4-0.8 ms more here. -sqlite-synchronous full restores SQLite's default.
	synchronous := flag.String("sqlite-synchronous", "normal", "SQLite synchronous pragma: normal or full")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		log.Fatalf("invalid -log-level %q: %v", *logLevel, err)
	}

	conf := ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}
	if *pgURL != "" {
		conf.Handler = "postgresql"
		conf.PostgreSQLURL = *pgURL
	} else {
		if *dataDir == "" {
			log.Fatal("either -sqlite-dir or -postgresql-url is required")
		}
		abs, err := filepath.Abs(*dataDir)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.MkdirAll(abs, 0o700); err != nil {
			log.Fatal(err)
		}
		conf.Handler = "sqlite"
		if *synchronous != "normal" && *synchronous != "full" {
			log.Fatalf("invalid -sqlite-synchronous %q: normal or full", *synchronous)
		}
		conf.SQLiteURL = "file:" + abs + "/?_pragma=synchronous(" + *synchronous + ")"
	}
	f, err := ferretdb.New(&conf)
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx)
	}()
	fmt.Fprintf(os.Stderr, "ferretdb-dev: serving %s (backend %s)\n", f.MongoDBURI(), conf.Handler)
	<-done
}
