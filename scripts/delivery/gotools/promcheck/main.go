// promcheck checks the PrometheusRule objects in a rendered manifest stream (stdin or
// files) the way Prometheus loads rule files: every expr must parse as PromQL, every
// `for` must be a duration, every alert needs a severity label, and the annotation and
// label templates must parse with Prometheus' template functions.
//
//	helm template ... | promcheck
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

type rule struct {
	Alert       string            `json:"alert"`
	Record      string            `json:"record"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

type prometheusRule struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Groups []struct {
			Name     string `json:"name"`
			Interval string `json:"interval"`
			Rules    []rule `json:"rules"`
		} `json:"groups"`
	} `json:"spec"`
}

// The function names Prometheus adds to alert templates (template.NewTemplateExpander);
// only their names matter for parsing.
var funcs = template.FuncMap{}

func init() {
	for _, n := range []string{"query", "first", "label", "value", "strvalue", "args", "reReplaceAll",
		"safeHtml", "match", "title", "toUpper", "toLower", "graphLink", "tableLink", "sortByLabel",
		"humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp",
		"toTime", "toDuration", "pathPrefix", "externalURL", "parseDuration", "stripPort",
		"stripDomain", "now"} {
		funcs[n] = func(...any) any { return nil }
	}
}

func main() {
	var input []byte
	var err error
	if len(os.Args) > 1 {
		for _, f := range os.Args[1:] {
			b, err := os.ReadFile(f)
			if err != nil {
				fail(err)
			}
			input = append(append(input, b...), []byte("\n---\n")...)
		}
	} else if input, err = io.ReadAll(os.Stdin); err != nil {
		fail(err)
	}
	objects, rules, problems := 0, 0, 0
	for _, doc := range bytes.Split(input, []byte("\n---")) {
		var pr prometheusRule
		if err := yaml.Unmarshal(doc, &pr); err != nil || pr.Kind != "PrometheusRule" {
			continue
		}
		objects++
		for _, g := range pr.Spec.Groups {
			if g.Interval != "" {
				if _, err := model.ParseDuration(g.Interval); err != nil {
					report(&problems, pr.Metadata.Name, g.Name, "interval", err)
				}
			}
			for _, r := range g.Rules {
				rules++
				name := r.Alert + r.Record
				if (r.Alert == "") == (r.Record == "") {
					report(&problems, pr.Metadata.Name, name, "rule", fmt.Errorf("exactly one of alert and record"))
				}
				if _, err := parser.ParseExpr(r.Expr); err != nil {
					report(&problems, pr.Metadata.Name, name, "expr", err)
				}
				if r.For != "" {
					if _, err := model.ParseDuration(r.For); err != nil {
						report(&problems, pr.Metadata.Name, name, "for", err)
					}
				}
				if r.Alert != "" && r.Labels["severity"] == "" {
					report(&problems, pr.Metadata.Name, name, "labels", fmt.Errorf("no severity label"))
				}
				for k, v := range r.Annotations {
					checkTemplate(&problems, pr.Metadata.Name, name, "annotation "+k, v)
				}
				for k, v := range r.Labels {
					checkTemplate(&problems, pr.Metadata.Name, name, "label "+k, v)
				}
			}
		}
	}
	if objects == 0 {
		fail(fmt.Errorf("no PrometheusRule in the input"))
	}
	if problems > 0 {
		fmt.Fprintf(os.Stderr, "promcheck: %d problem(s) in %d rules\n", problems, rules)
		os.Exit(1)
	}
	fmt.Printf("promcheck: %d PrometheusRule object(s), %d rules: PromQL, durations and templates OK\n", objects, rules)
}

func checkTemplate(problems *int, obj, rule, what, text string) {
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	if _, err := template.New("t").Funcs(funcs).Option("missingkey=zero").Parse(defs + text); err != nil {
		report(problems, obj, rule, what, err)
	}
}

func report(problems *int, obj, rule, what string, err error) {
	*problems++
	fmt.Fprintf(os.Stderr, "promcheck: %s / %s: %s: %s\n", obj, rule, what, strings.TrimSpace(err.Error()))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "promcheck:", err)
	os.Exit(1)
}
