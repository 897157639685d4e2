package api_test

import (
	"testing"

	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
