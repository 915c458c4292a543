// Command nonviable lists the places in Go packages where gremlins'
// ARITHMETIC_BASE mutation cannot compile: a + (or +=) on strings, which
// it turns into - (or -=). gremlins v0.6.0 reports such a mutant KILLED
// (go test exits 1 on a build failure as on a failing test), so
// tools/mutate.sh subtracts them from the killed count.
//
//	go run ./tools/nonviable ./stacks ./config
//
// prints one file:line:column per place (the column of the operator, as
// gremlins reports it), file relative to its package directory. It needs
// the packages built (go list -export) and only the standard library.
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

type listed struct {
	ImportPath string
	Dir        string
	Export     string
	GoFiles    []string
	DepOnly    bool
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "nonviable:", err)
		os.Exit(1)
	}
}

func run(patterns []string, out io.Writer) error {
	cmd := exec.Command("go", append([]string{"list", "-export", "-deps", "-json"}, patterns...)...)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list: %w", err)
	}
	exports := map[string]string{}
	var targets []listed
	dec := json.NewDecoder(strings.NewReader(string(b)))
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			return err
		}
		exports[p.ImportPath] = p.Export
		if !p.DepOnly {
			targets = append(targets, p)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	for _, p := range targets {
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				return err
			}
			files = append(files, f)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
		if _, err := (&types.Config{Importer: imp}).Check(p.ImportPath, fset, files, info); err != nil {
			return fmt.Errorf("%s: %w", p.ImportPath, err)
		}
		isString := func(e ast.Expr) bool {
			t, ok := info.Types[e]
			if !ok {
				return false
			}
			b, ok := t.Type.Underlying().(*types.Basic)
			return ok && b.Info()&types.IsString != 0
		}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				var at token.Pos
				switch n := n.(type) {
				case *ast.BinaryExpr:
					if n.Op == token.ADD && isString(n) {
						at = n.OpPos
					}
				case *ast.AssignStmt:
					if n.Tok == token.ADD_ASSIGN && len(n.Lhs) == 1 && isString(n.Lhs[0]) {
						at = n.TokPos
					}
				}
				if at.IsValid() {
					pos := fset.Position(at)
					fmt.Fprintf(out, "%s:%d:%d\n", filepath.Base(pos.Filename), pos.Line, pos.Column)
				}
				return true
			})
		}
	}
	return nil
}
