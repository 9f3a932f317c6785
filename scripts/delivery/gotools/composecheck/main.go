// composecheck loads a Compose file the way `docker compose config` does (compose-go:
// the Compose Specification JSON schema, interpolation, normalisation, depends_on
// conditions, healthchecks, volume and network references) without a Docker engine,
// and prints the normalised model. It exits non-zero on any error.
//
//	composecheck [-q] docker-compose.yml
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	quiet := flag.Bool("q", false, "only validate, print nothing")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: composecheck [-q] docker-compose.yml")
		os.Exit(2)
	}
	file, err := filepath.Abs(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithName("user-service"),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	if !*quiet {
		out, err := project.MarshalYAML()
		if err != nil {
			fail(err)
		}
		os.Stdout.Write(out)
	}
	fmt.Fprintf(os.Stderr, "composecheck: %s is valid (%d services)\n", flag.Arg(0), len(project.Services))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "composecheck:", err)
	os.Exit(1)
}
