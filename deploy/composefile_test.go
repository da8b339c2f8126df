package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// root is the repository's root, relative to this package.
const root = ".."

// composeFile is the part of a Compose file the tests look at.
type composeFile struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
	Secrets  map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

type service struct {
	Image       string              `yaml:"image"`
	Build       any                 `yaml:"build"`
	Command     stringList          `yaml:"command"`
	Environment envMap              `yaml:"environment"`
	Ports       []string            `yaml:"ports"`
	Volumes     []string            `yaml:"volumes"`
	Secrets     []serviceSecret     `yaml:"secrets"`
	DependsOn   dependsOn           `yaml:"depends_on"`
	Healthcheck *struct{ Test any } `yaml:"healthcheck"`
	Ulimits     map[string]any      `yaml:"ulimits"`
}

// stringList is a command: a list, or a string split on spaces.
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = strings.Fields(n.Value)
		return nil
	}
	var s []string
	if err := n.Decode(&s); err != nil {
		return err
	}
	*l = s
	return nil
}

// envMap is an environment: a mapping, or a list of NAME=value.
type envMap map[string]string

func (m *envMap) UnmarshalYAML(n *yaml.Node) error {
	*m = envMap{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, kv := range list {
			k, v, _ := strings.Cut(kv, "=")
			(*m)[k] = v
		}
		return nil
	}
	var raw map[string]any
	if err := n.Decode(&raw); err != nil {
		return err
	}
	for k, v := range raw {
		if v == nil {
			(*m)[k] = ""
		} else {
			(*m)[k] = fmt.Sprint(v)
		}
	}
	return nil
}

// serviceSecret is a service's secret: its name, or {source, target}.
type serviceSecret struct {
	Source string `yaml:"source"`
	Target string `yaml:"target"`
}

func (s *serviceSecret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s.Source = n.Value
		return nil
	}
	type plain serviceSecret
	return n.Decode((*plain)(s))
}

// path is where the secret appears in the container.
func (s serviceSecret) path() string {
	switch {
	case s.Target == "":
		return "/run/secrets/" + s.Source
	case strings.HasPrefix(s.Target, "/"):
		return s.Target
	}
	return "/run/secrets/" + s.Target
}

// dependsOn maps a service to its condition ("service_started" for the list form).
type dependsOn map[string]string

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	*d = dependsOn{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, s := range list {
			(*d)[s] = "service_started"
		}
		return nil
	}
	var long map[string]struct {
		Condition string `yaml:"condition"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	for s, c := range long {
		if c.Condition == "" {
			c.Condition = "service_started"
		}
		(*d)[s] = c.Condition
	}
	return nil
}

// flag returns the value following name in the command ("" when absent).
func (l stringList) flag(name string) string {
	for i, a := range l {
		if a == name && i+1 < len(l) {
			return l[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// mounts maps each container path to its source (a named volume or a host path).
func (s service) mounts() map[string]string {
	m := map[string]string{}
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 {
			m[parts[1]] = parts[0]
		}
	}
	return m
}

func readFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func loadCompose(t *testing.T) (composeFile, string) {
	t.Helper()
	text := readFile(t, "docker-compose.yml")
	var c composeFile
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(c.Services) == 0 {
		t.Fatal("docker-compose.yml: no services")
	}
	return c, text
}
