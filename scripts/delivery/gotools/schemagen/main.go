// schemagen writes kubeconform JSON schemas offline.
//
// kubeconform's default schema location is on GitHub, which CI here cannot reach. This
// program rebuilds the same kind of "standalone-strict" schemas from sources that come
// from the Go module proxy:
//
//   - built-in kinds: api/openapi-spec/swagger.json of the Go module k8s.io/kubernetes;
//   - CRDs: CustomResourceDefinition YAMLs (e.g. example/prometheus-operator-crd of the
//     Go module github.com/prometheus-operator/prometheus-operator).
//
// The conversion follows what openapi2jsonschema --kubernetes --strict --expanded does
// for github.com/yannh/kubernetes-json-schema: every $ref is inlined ("standalone"),
// every object that lists properties gets additionalProperties:false ("strict"),
// IntOrString and Quantity accept a string or a number, optional fields may be null,
// apiVersion and kind are pinned to the exact value. Descriptions are dropped to keep
// the files small.
//
// Usage:
//
//	schemagen -swagger swagger.json -out DIR/v1.36.3-standalone-strict
//	schemagen -crd a.yaml -crd b.yaml -out DIR/crds   (writes GROUP/KIND_VERSION.json)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

type strList []string

func (s *strList) String() string     { return strings.Join(*s, ",") }
func (s *strList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var crds strList
	swagger := flag.String("swagger", "", "Kubernetes swagger.json (OpenAPI v2)")
	out := flag.String("out", "", "output directory")
	flag.Var(&crds, "crd", "CustomResourceDefinition YAML file (repeatable)")
	flag.Parse()
	if *out == "" || (*swagger == "" && len(crds) == 0) {
		flag.Usage()
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	n := 0
	if *swagger != "" {
		c, err := fromSwagger(*swagger, *out)
		if err != nil {
			fail(err)
		}
		n += c
	}
	for _, f := range crds {
		c, err := fromCRD(f, *out)
		if err != nil {
			fail(fmt.Errorf("%s: %w", f, err))
		}
		n += c
	}
	fmt.Printf("schemagen: %d schemas written to %s\n", n, *out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "schemagen:", err)
	os.Exit(1)
}

type obj = map[string]any

// ---------- built-in kinds ----------

func fromSwagger(path, out string) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var doc struct {
		Definitions map[string]obj `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return 0, err
	}
	names := make([]string, 0, len(doc.Definitions))
	for k := range doc.Definitions {
		names = append(names, k)
	}
	sort.Strings(names)
	n := 0
	for _, name := range names {
		def := doc.Definitions[name]
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		// Definitions valid for many kinds (DeleteOptions, WatchEvent) are not manifests.
		if len(gvks) != 1 {
			continue
		}
		gvk := gvks[0].(obj)
		group, _ := gvk["group"].(string)
		version, _ := gvk["version"].(string)
		kind, _ := gvk["kind"].(string)
		apiVersion := version
		if group != "" {
			apiVersion = group + "/" + version
		}
		s := expand(def, doc.Definitions, map[string]bool{name: true}, true)
		pin(s, apiVersion, kind)
		file := filepath.Join(out, strings.ToLower(kind)+kindSuffix(apiVersion)+".json")
		if err := write(file, s); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// kindSuffix mirrors kubeconform's pkg/registry schemaPath.
func kindSuffix(apiVersion string) string {
	groupParts := strings.Split(apiVersion, "/")
	versionParts := strings.Split(groupParts[0], ".")
	s := "-" + strings.ToLower(versionParts[0])
	if len(groupParts) > 1 {
		s += "-" + strings.ToLower(groupParts[1])
	}
	return s
}

// expand returns a copy of schema with every $ref inlined. A reference that would
// recurse (JSONSchemaProps inside CustomResourceDefinition) becomes an open schema.
func expand(schema obj, defs map[string]obj, seen map[string]bool, top bool) obj {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/definitions/")
		switch name {
		case "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
			return obj{"oneOf": []any{obj{"type": "string"}, obj{"type": "integer"}}}
		case "io.k8s.apimachinery.pkg.api.resource.Quantity":
			return obj{"oneOf": []any{obj{"type": "string"}, obj{"type": "number"}}}
		}
		if seen[name] {
			return obj{}
		}
		target, ok := defs[name]
		if !ok {
			return obj{}
		}
		seen2 := make(map[string]bool, len(seen)+1)
		for k := range seen {
			seen2[k] = true
		}
		seen2[name] = true
		return expand(target, defs, seen2, false)
	}
	out := obj{}
	for k, v := range schema {
		switch k {
		case "description", "x-kubernetes-group-version-kind", "x-kubernetes-patch-strategy",
			"x-kubernetes-patch-merge-key", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
			"x-kubernetes-map-type", "x-kubernetes-unions":
			continue
		case "properties":
			props := obj{}
			for pk, pv := range v.(obj) {
				props[pk] = expand(pv.(obj), defs, seen, false)
			}
			out[k] = props
		case "items":
			if m, ok := v.(obj); ok {
				out[k] = expand(m, defs, seen, false)
			} else {
				out[k] = v
			}
		case "additionalProperties":
			if m, ok := v.(obj); ok {
				out[k] = expand(m, defs, seen, false)
			} else {
				out[k] = v
			}
		case "allOf", "oneOf", "anyOf":
			list := []any{}
			for _, e := range v.([]any) {
				list = append(list, expand(e.(obj), defs, seen, false))
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	if f, _ := out["format"].(string); f == "int-or-string" {
		return obj{"oneOf": []any{obj{"type": "string"}, obj{"type": "integer"}}}
	}
	strictAndNullable(out, top)
	return out
}

// strictAndNullable closes objects that list their properties and lets optional values
// be null (the API server treats null as absent; helm renders empty values as null).
func strictAndNullable(s obj, top bool) {
	if props, ok := s["properties"].(obj); ok && len(props) > 0 {
		if _, has := s["additionalProperties"]; !has {
			if p, _ := s["x-kubernetes-preserve-unknown-fields"].(bool); !p {
				s["additionalProperties"] = false
			}
		}
	}
	if top {
		return
	}
	if t, ok := s["type"].(string); ok {
		s["type"] = []any{t, "null"}
	}
}

func pin(s obj, apiVersion, kind string) {
	props, ok := s["properties"].(obj)
	if !ok {
		return
	}
	props["apiVersion"] = obj{"type": "string", "enum": []any{apiVersion}}
	props["kind"] = obj{"type": "string", "enum": []any{kind}}
	req := []any{"apiVersion", "kind"}
	if r, ok := s["required"].([]any); ok {
		for _, e := range r {
			if e != "apiVersion" && e != "kind" {
				req = append(req, e)
			}
		}
	}
	s["required"] = req
}

// ---------- CRDs ----------

func fromCRD(path, out string) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, docText := range strings.Split(string(raw), "\n---") {
		if strings.TrimSpace(docText) == "" {
			continue
		}
		var crd struct {
			Kind string `json:"kind"`
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Schema struct {
						OpenAPIV3Schema obj `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal([]byte(docText), &crd); err != nil {
			return n, err
		}
		if crd.Kind != "CustomResourceDefinition" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Schema.OpenAPIV3Schema == nil {
				continue
			}
			s := crdSchema(v.Schema.OpenAPIV3Schema, true)
			pin(s, crd.Spec.Group+"/"+v.Name, crd.Spec.Names.Kind)
			// The API server validates metadata for custom resources as for any object.
			if props, ok := s["properties"].(obj); ok {
				props["metadata"] = obj{"type": "object"}
			}
			// Same layout as the datreeio CRDs-catalog: {{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json
			file := filepath.Join(out, crd.Spec.Group, strings.ToLower(crd.Spec.Names.Kind)+"_"+v.Name+".json")
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				return n, err
			}
			if err := write(file, s); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func crdSchema(schema obj, top bool) obj {
	out := obj{}
	for k, v := range schema {
		switch k {
		case "description":
			continue
		case "properties":
			props := obj{}
			for pk, pv := range v.(obj) {
				props[pk] = crdSchema(pv.(obj), false)
			}
			out[k] = props
		case "items", "additionalProperties", "not":
			if m, ok := v.(obj); ok {
				out[k] = crdSchema(m, false)
			} else {
				out[k] = v
			}
		case "allOf", "oneOf", "anyOf":
			list := []any{}
			for _, e := range v.([]any) {
				list = append(list, crdSchema(e.(obj), false))
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	if ios, _ := out["x-kubernetes-int-or-string"].(bool); ios {
		delete(out, "type")
		out["oneOf"] = []any{obj{"type": "string"}, obj{"type": "integer"}}
	}
	if props, ok := out["properties"].(obj); ok && len(props) > 0 {
		if _, has := out["additionalProperties"]; !has {
			if p, _ := out["x-kubernetes-preserve-unknown-fields"].(bool); !p {
				out["additionalProperties"] = false
			}
		}
	}
	if nullable, _ := out["nullable"].(bool); nullable && !top {
		if t, ok := out["type"].(string); ok {
			out["type"] = []any{t, "null"}
		}
	}
	return out
}

func write(path string, s obj) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
