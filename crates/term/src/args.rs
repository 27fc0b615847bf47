//! CSI parameters in our own fixed-size form, so a CSI can be dispatched both from vte's
//! `Params` and from the ground-state fast path, which parses simple CSIs itself.
//!
//! Semantics follow vte: parameters are `;`-separated groups of `:`-separated values, values
//! saturate at 65535, an empty parameter is 0, and at most [`MAX_VALUES`] values are kept.

/// Most values (parameters and subparameters) a CSI carries, as in vte.
pub(crate) const MAX_VALUES: usize = 32;

/// A CSI's parameters: `groups` index runs of `vals`.
#[derive(Clone, Copy)]
pub(crate) struct Args {
    vals: [u16; MAX_VALUES],
    groups: [(u8, u8); MAX_VALUES],
    nvals: usize,
    ngroups: usize,
}

impl Args {
    pub(crate) const EMPTY: Args = Args {
        vals: [0; MAX_VALUES],
        groups: [(0, 0); MAX_VALUES],
        nvals: 0,
        ngroups: 0,
    };

    pub(crate) fn from_vte(params: &vte::Params) -> Args {
        let mut a = Args::EMPTY;
        for p in params.iter() {
            let start = a.nvals;
            for &v in p {
                if a.nvals == MAX_VALUES {
                    break;
                }
                a.vals[a.nvals] = v;
                a.nvals += 1;
            }
            if a.nvals > start {
                a.groups[a.ngroups] = (start as u8, (a.nvals - start) as u8);
                a.ngroups += 1;
            }
        }
        a
    }

    /// Number of parameters.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.ngroups
    }

    /// Each parameter with its subparameters.
    #[inline]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u16]> + '_ {
        self.groups[..self.ngroups]
            .iter()
            .map(|&(s, l)| &self.vals[s as usize..s as usize + l as usize])
    }

    /// Parameter `i` with its subparameters (empty if missing).
    #[inline]
    pub(crate) fn group(&self, i: usize) -> &[u16] {
        match self.groups[..self.ngroups].get(i) {
            Some(&(s, l)) => &self.vals[s as usize..s as usize + l as usize],
            None => &[],
        }
    }

    /// First value of parameter `i`.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<u16> {
        if i < self.ngroups {
            Some(self.vals[self.groups[i].0 as usize])
        } else {
            None
        }
    }
}

/// A complete, simple CSI at the start of `b` (`ESC [`, an optional private marker `<=>?`,
/// digits, `;` and `:`, one final byte): its args, marker (0 if none), final byte and length.
/// Anything else — intermediates, embedded controls, too many values, or a sequence cut by the
/// end of `b` — returns `None` and is left to vte.
/// The args are written into `a` (reused across calls, so no large value is copied).
#[inline]
pub(crate) fn parse_simple_csi(b: &[u8], a: &mut Args) -> Option<(u8, u8, usize)> {
    a.nvals = 0;
    a.ngroups = 0;
    let mut i = 2;
    let marker = match *b.get(i)? {
        m @ b'<'..=b'?' => {
            i += 1;
            m
        }
        _ => 0,
    };
    let mut cur: u16 = 0;
    let mut group_start = 0usize;
    loop {
        let c = *b.get(i)?;
        i += 1;
        match c {
            b'0'..=b'9' => cur = cur.saturating_mul(10).saturating_add((c - b'0') as u16),
            b';' | b':' => {
                if a.nvals == MAX_VALUES - 1 {
                    return None;
                }
                a.vals[a.nvals] = cur;
                a.nvals += 1;
                cur = 0;
                if c == b';' {
                    a.groups[a.ngroups] = (group_start as u8, (a.nvals - group_start) as u8);
                    a.ngroups += 1;
                    group_start = a.nvals;
                }
            }
            0x40..=0x7e => {
                a.vals[a.nvals] = cur;
                a.nvals += 1;
                a.groups[a.ngroups] = (group_start as u8, (a.nvals - group_start) as u8);
                a.ngroups += 1;
                return Some((marker, c, i));
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(a: &Args) -> Vec<Vec<u16>> {
        a.iter().map(|g| g.to_vec()).collect()
    }

    #[test]
    fn parses_like_vte() {
        let mut a = Args::EMPTY;
        let (m, f, n) = parse_simple_csi(b"\x1b[1;38:2::1:2:3;;4mX", &mut a).unwrap();
        assert_eq!((m, f, n), (0, b'm', 19));
        assert_eq!(
            groups(&a),
            vec![vec![1], vec![38, 2, 0, 1, 2, 3], vec![0], vec![4]]
        );
        let (m, f, _) = parse_simple_csi(b"\x1b[?2026h", &mut a).unwrap();
        assert_eq!((m, f, groups(&a)), (b'?', b'h', vec![vec![2026]]));
        let (_, f, _) = parse_simple_csi(b"\x1b[m", &mut a).unwrap();
        assert_eq!((f, groups(&a)), (b'm', vec![vec![0]]));
        parse_simple_csi(b"\x1b[99999H", &mut a).unwrap();
        assert_eq!(a.get(0), Some(65535));
        assert!(parse_simple_csi(b"\x1b[1;2", &mut a).is_none());
        assert!(parse_simple_csi(b"\x1b[1$p", &mut a).is_none());
        assert!(parse_simple_csi(b"\x1b[1\n;2H", &mut a).is_none());
        assert!(parse_simple_csi(b"\x1b[1?h", &mut a).is_none());
        let mut long = b"\x1b[".to_vec();
        long.extend(std::iter::repeat_n(b"1;".as_slice(), 40).flatten());
        long.push(b'm');
        assert!(parse_simple_csi(&long, &mut a).is_none());
    }
}
