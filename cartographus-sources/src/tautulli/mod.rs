//! Tautulli's API v2 (`/api/v2?apikey=…&cmd=…`): the envelope and its error results,
//! `get_history` paging and rows, `get_users` and `get_server_info`, decoded into core
//! types; plus the sans-IO [`HistoryQuery`] that builds each page's parameters.

mod decode;
mod query;
mod wire;

pub use decode::{
    decode_history, decode_server_info, decode_users, HistoryPage, HistoryRow, TautulliApiError,
    TautulliError,
};
pub use query::{HistoryQuery, SortOrder};
