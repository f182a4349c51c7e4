//! Domain types that can only be built by parsing.

mod common_set;
mod conversation_id;
mod email;
mod password;
mod user_id;

pub use conversation_id::ConversationId;
pub use email::{Email, EmailError};
pub use password::{Password, PasswordError, PasswordHash, PasswordHasher};
pub use user_id::UserId;
