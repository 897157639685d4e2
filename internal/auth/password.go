package auth

import (
	"strings"

	"github.com/alexedwards/argon2id"
	passwordvalidator "github.com/wagslane/go-password-validator"

	"github.com/fanfare/fanfare/models"
)

// argon2id parameters as OWASP recommends for interactive logins (19 MiB,
// two passes): about 20 ms a hash on this project's machines.
var hashParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// minEntropyBits rejects short, repetitive or dictionary-like passwords
// while letting long passphrases through without composition rules.
const minEntropyBits = 55

// HashPassword returns the PHC-encoded argon2id hash of password.
func HashPassword(password string) (string, error) {
	return argon2id.CreateHash(password, hashParams)
}

// CheckPassword reports whether password matches hash.
func CheckPassword(password, hash string) bool {
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}

// dummyHash is compared against when an email is unknown, so that a login
// takes as long whether or not the account exists.
var dummyHash, _ = HashPassword("fanfare-timing-equaliser")

// CheckStrength rejects passwords that are too short, too long for argon2id
// to be a denial-of-service lever, too guessable, or that contain the email.
func CheckStrength(password, email string) error {
	switch {
	case len(password) < 10:
		return models.FieldError("password", "password must have at least 10 characters")
	case len(password) > 128:
		return models.FieldError("password", "password must have at most 128 bytes")
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	if len(local) >= 4 && strings.Contains(strings.ToLower(password), local) {
		return models.FieldError("password", "password must not contain your email")
	}
	if passwordvalidator.Validate(password, minEntropyBits) != nil {
		return models.FieldError("password", "password is too easy to guess; use a longer phrase")
	}
	return nil
}
