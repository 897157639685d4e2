package config_test

import (
	"os"
	"testing"

	"github.com/fanfare/fanfare/internal/config"
)

// TestMain starts every test from the defaults: a developer's exported
// settings (FANFARE_ENV, REDIS_URL, …) do not change what the tests see.
func TestMain(m *testing.M) {
	for _, name := range config.Variables() {
		os.Unsetenv(name)
	}
	os.Exit(m.Run())
}
