//! Authentication and roles. Three modes (`AUTH_MODE`): `none` (loopback only, every
//! request is an admin), `basic` (HTTP Basic against argon2 hashes) and `jwt` (login
//! issues an HS256 token, sent back as an HTTP-only SameSite=Strict cookie or a bearer
//! header). Scripts use API tokens: random strings whose SHA-256 digest is kept, never
//! the token itself.

use std::collections::HashMap;
use std::sync::RwLock;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{AuthConfig, AuthMode};

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read everything.
    Viewer,
    /// Read and change everything.
    Admin,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// Account or token name.
    pub name: String,
    /// Its role.
    pub role: Role,
}

/// Why a request is not authenticated or not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No credentials were presented.
    #[error("authentication required")]
    Missing,
    /// The user name or password is wrong.
    #[error("invalid user name or password")]
    BadCredentials,
    /// The token is malformed, forged, revoked or expired.
    #[error("invalid or expired token")]
    BadToken,
    /// Authenticated, but the role does not allow this.
    #[error("this action needs the {needed:?} role")]
    Forbidden {
        /// The role the action needs.
        needed: Role,
    },
    /// The password could not be hashed.
    #[error("password hashing failed")]
    Hashing,
}

/// An issued login token.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    /// The token (JWT).
    pub token: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// Who it is for.
    pub principal: Principal,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    iat: i64,
    exp: i64,
    jti: String,
}

/// An API token as listed (the token itself is shown only once, at creation).
#[derive(Debug, Clone, Serialize)]
pub struct ApiTokenInfo {
    /// Its id (the first 8 hex digits of its digest).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Checks credentials and issues tokens.
pub struct Authenticator {
    mode: AuthMode,
    encoding: EncodingKey,
    decoding: DecodingKey,
    admin_username: String,
    admin_hash: String,
    session: Duration,
    api_tokens: RwLock<HashMap<[u8; 32], ApiTokenInfo>>,
    revoked: RwLock<HashMap<String, i64>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("mode", &self.mode)
            .field("admin_username", &self.admin_username)
            .finish_non_exhaustive()
    }
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AuthError::Hashing)
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).ok().is_some_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Authenticator {
    /// Builds the authenticator. A plain admin password is hashed here, once; a value
    /// starting with `$argon2` is taken as a PHC hash.
    pub fn new(config: &AuthConfig) -> Result<Self, AuthError> {
        let pw = config.admin_password.expose();
        let admin_hash = if pw.starts_with("$argon2") {
            pw.to_owned()
        } else {
            hash_password(pw)?
        };
        let secret = config.jwt_secret.expose().as_bytes();
        Ok(Self {
            mode: config.mode,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            admin_username: config.admin_username.clone(),
            admin_hash,
            session: Duration::hours(i64::from(config.session_hours)),
            api_tokens: RwLock::new(HashMap::new()),
            revoked: RwLock::new(HashMap::new()),
        })
    }

    /// The mode.
    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// The token lifetime.
    pub fn session(&self) -> Duration {
        self.session
    }

    /// Checks a user name and password.
    pub fn check_password(&self, username: &str, password: &str) -> Result<Principal, AuthError> {
        // Verify even for an unknown user so timing does not reveal which names exist.
        let ok = verify_password(password, &self.admin_hash);
        if ok && username == self.admin_username {
            Ok(Principal {
                name: username.to_owned(),
                role: Role::Admin,
            })
        } else {
            Err(AuthError::BadCredentials)
        }
    }

    /// Logs in: checks the password and issues a token valid for the session length.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, AuthError> {
        let principal = self.check_password(username, password)?;
        self.issue(principal, now)
    }

    /// Issues a token for `principal`.
    pub fn issue(
        &self,
        principal: Principal,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, AuthError> {
        let expires_at = now + self.session;
        let mut jti = [0u8; 16];
        OsRng.fill_bytes(&mut jti);
        let claims = Claims {
            sub: principal.name.clone(),
            role: principal.role,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: hex(&jti),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| AuthError::BadToken)?;
        Ok(IssuedToken {
            token,
            expires_at,
            principal,
        })
    }

    /// Checks a bearer value: an API token (`cart_…`) or a login JWT.
    pub fn verify_bearer(&self, token: &str, now: DateTime<Utc>) -> Result<Principal, AuthError> {
        if token.starts_with("cart_") {
            let tokens = self.api_tokens.read().map_err(|_| AuthError::BadToken)?;
            return tokens
                .get(&digest(token))
                .map(|i| Principal {
                    name: i.name.clone(),
                    role: i.role,
                })
                .ok_or(AuthError::BadToken);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| AuthError::BadToken)?;
        let c = data.claims;
        if c.exp <= now.timestamp() {
            return Err(AuthError::BadToken);
        }
        if self
            .revoked
            .read()
            .map_err(|_| AuthError::BadToken)?
            .contains_key(&c.jti)
        {
            return Err(AuthError::BadToken);
        }
        Ok(Principal {
            name: c.sub,
            role: c.role,
        })
    }

    /// Checks an `Authorization: Basic …` value.
    pub fn verify_basic(&self, encoded: &str) -> Result<Principal, AuthError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| AuthError::BadCredentials)?;
        let text = String::from_utf8(raw).map_err(|_| AuthError::BadCredentials)?;
        let (user, pass) = text.split_once(':').ok_or(AuthError::BadCredentials)?;
        self.check_password(user, pass)
    }

    /// Revokes a login token (logout). Entries are dropped once the token expired.
    pub fn revoke(&self, token: &str, now: DateTime<Utc>) {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        if let Ok(data) = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation) {
            if let Ok(mut r) = self.revoked.write() {
                r.retain(|_, exp| *exp > now.timestamp());
                r.insert(data.claims.jti, data.claims.exp);
            }
        }
    }

    /// Creates an API token; the returned string is the only time it is visible.
    pub fn create_api_token(
        &self,
        name: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> (String, ApiTokenInfo) {
        let mut bytes = [0u8; 24];
        OsRng.fill_bytes(&mut bytes);
        let token = format!("cart_{}", hex(&bytes));
        let d = digest(&token);
        let info = ApiTokenInfo {
            id: hex(&d[..4]),
            name: name.to_owned(),
            role,
            created_at: now,
        };
        if let Ok(mut t) = self.api_tokens.write() {
            t.insert(d, info.clone());
        }
        (token, info)
    }

    /// Lists API tokens.
    pub fn api_tokens(&self) -> Vec<ApiTokenInfo> {
        self.api_tokens
            .read()
            .map(|t| t.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Deletes an API token by id; returns whether it existed.
    pub fn delete_api_token(&self, id: &str) -> bool {
        match self.api_tokens.write() {
            Ok(mut t) => {
                let before = t.len();
                t.retain(|_, i| i.id != id);
                t.len() != before
            }
            Err(_) => false,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that `principal` has at least `needed`.
pub fn require(principal: &Principal, needed: Role) -> Result<(), AuthError> {
    if principal.role >= needed {
        Ok(())
    } else {
        Err(AuthError::Forbidden { needed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use chrono::TimeZone;

    fn auth(password: &str) -> Authenticator {
        Authenticator::new(&AuthConfig {
            mode: AuthMode::Jwt,
            jwt_secret: Secret::new("0123456789abcdef0123456789abcdef"),
            admin_username: "admin".into(),
            admin_password: Secret::new(password),
            session_hours: 24,
        })
        .unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap()
    }

    #[test]
    fn login_issues_a_token_that_expires() {
        let a = auth("s3cret");
        assert_eq!(
            a.login("admin", "wrong", now()).unwrap_err(),
            AuthError::BadCredentials
        );
        assert_eq!(
            a.login("root", "s3cret", now()).unwrap_err(),
            AuthError::BadCredentials
        );
        let t = a.login("admin", "s3cret", now()).unwrap();
        assert_eq!(t.expires_at, now() + Duration::hours(24));
        let p = a.verify_bearer(&t.token, now()).unwrap();
        assert_eq!(p.role, Role::Admin);
        assert_eq!(
            a.verify_bearer(&t.token, now() + Duration::hours(25)),
            Err(AuthError::BadToken)
        );
        a.revoke(&t.token, now());
        assert_eq!(a.verify_bearer(&t.token, now()), Err(AuthError::BadToken));
    }

    #[test]
    fn forged_tokens_are_refused() {
        let a = auth("pw");
        let other = Authenticator::new(&AuthConfig {
            mode: AuthMode::Jwt,
            jwt_secret: Secret::new("another-secret-another-secret-xx"),
            admin_username: "admin".into(),
            admin_password: Secret::new("pw"),
            session_hours: 24,
        })
        .unwrap();
        let forged = other.login("admin", "pw", now()).unwrap();
        assert_eq!(
            a.verify_bearer(&forged.token, now()),
            Err(AuthError::BadToken)
        );
        assert_eq!(a.verify_bearer("garbage", now()), Err(AuthError::BadToken));
    }

    #[test]
    fn basic_and_hashed_passwords() {
        let hash = hash_password("pw").unwrap();
        let a = auth(&hash);
        let header = base64::engine::general_purpose::STANDARD.encode("admin:pw");
        assert_eq!(a.verify_basic(&header).unwrap().role, Role::Admin);
        let bad = base64::engine::general_purpose::STANDARD.encode("admin:nope");
        assert_eq!(a.verify_basic(&bad), Err(AuthError::BadCredentials));
        assert_eq!(a.verify_basic("%%%"), Err(AuthError::BadCredentials));
    }

    #[test]
    fn api_tokens_and_roles() {
        let a = auth("pw");
        let (token, info) = a.create_api_token("grafana", Role::Viewer, now());
        let p = a.verify_bearer(&token, now()).unwrap();
        assert_eq!(p.role, Role::Viewer);
        assert_eq!(
            require(&p, Role::Admin),
            Err(AuthError::Forbidden {
                needed: Role::Admin
            })
        );
        assert!(require(&p, Role::Viewer).is_ok());
        assert_eq!(a.api_tokens().len(), 1);
        assert!(a.delete_api_token(&info.id));
        assert_eq!(a.verify_bearer(&token, now()), Err(AuthError::BadToken));
    }
}
