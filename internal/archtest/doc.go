// Package archtest holds the tests of the project's layout (tests only): the package table of
// docs/architecture.md against the packages' imports, and the direction of the imports (the
// layers of that page, and the dependencies some packages must never have), the layers it draws
// against those the imports are held to, and every test the documentation names against the
// test files.
package archtest
