//! Placeholder for the free-text score parser (being written on its own branch).

use crate::nps::Score;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreRefusal {
    #[error("no score found in the reply")]
    NoScore,
    #[error("several different scores in the reply: {0:?}")]
    Ambiguous(Vec<u8>),
    #[error("{0} is outside 0-10")]
    OutOfRange(i64),
}

pub fn parse_score(text: &str) -> Result<Score, ScoreRefusal> {
    let mut found: Vec<u8> = Vec::new();
    let folded = crate::text::fold(text);
    let mut words = crate::text::words(&folded).peekable();
    while let Some(w) = words.next() {
        if let Ok(v) = w.parse::<i64>() {
            let v = Score::new(v).map_err(|_| ScoreRefusal::OutOfRange(v))?;
            if words.peek() == Some(&"10") {
                words.next();
            }
            if !found.contains(&v.value()) {
                found.push(v.value());
            }
        }
    }
    match found.as_slice() {
        [] => Err(ScoreRefusal::NoScore),
        [one] => Ok(Score::new(i64::from(*one)).expect("in range")),
        _ => Err(ScoreRefusal::Ambiguous(found)),
    }
}
