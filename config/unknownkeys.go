package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// unknownKeys walks the YAML document against the file structs and reports
// every key that is not part of the fleet file, with its path, its line and
// the closest known key: all typos at once, before decoding.
func unknownKeys(c *collector, file *ast.File) {
	for _, doc := range file.Docs {
		if doc != nil && doc.Body != nil {
			walkKeys(c, doc.Body, reflect.TypeOf(fleetFile{}), "")
		}
	}
}

func walkKeys(c *collector, node ast.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n := node.(type) {
	case *ast.TagNode:
		walkKeys(c, n.Value, t, path)
	case *ast.AnchorNode:
		walkKeys(c, n.Value, t, path)
	case *ast.MappingNode:
		for _, mv := range n.Values {
			walkPair(c, mv, t, path)
		}
	case *ast.MappingValueNode:
		walkPair(c, n, t, path)
	case *ast.SequenceNode:
		if t.Kind() == reflect.Slice {
			for i, v := range n.Values {
				walkKeys(c, v, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
}

func walkPair(c *collector, mv *ast.MappingValueNode, t reflect.Type, path string) {
	if t.Kind() != reflect.Struct || mv.Key == nil {
		return
	}
	key := strings.Trim(mv.Key.String(), `"'`)
	field, ok := fieldByTag(t, key)
	p := key
	if path != "" {
		p = path + "." + key
	}
	if !ok {
		msg := fmt.Sprintf("unknown key %q", key)
		if s := closestKey(key); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += "; remove it (docs/fleet-file.md lists the keys)"
		}
		c.add(p, "%s", msg)
		return
	}
	walkKeys(c, mv.Value, field.Type, p)
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if strings.Split(f.Tag.Get("yaml"), ",")[0] == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
