//! How a tab's area is divided among its panes: a binary tree of splits.
//!
//! A horizontal split puts its children side by side (tmux `split-window -h`), a vertical one
//! above each other. One cell between children is left for the border the client draws.

/// A rectangle of cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

/// A node of the layout tree (saved as is in the state file).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Node {
    Pane(u32),
    Split {
        horizontal: bool,
        /// Share of the first child, in percent of the space left after the border.
        first_percent: u8,
        first: Box<Node>,
        second: Box<Node>,
    },
}

impl Node {
    /// Every pane with its rectangle when the tree fills `r`.
    pub fn rects(&self, r: Rect, out: &mut Vec<(u32, Rect)>) {
        match self {
            Node::Pane(id) => out.push((*id, r)),
            Node::Split {
                horizontal,
                first_percent,
                first,
                second,
            } => {
                let (ra, rb) = split_rects(r, *horizontal, *first_percent);
                first.rects(ra, out);
                second.rects(rb, out);
            }
        }
    }

    /// Split pane `target`, giving `new` `percent` of its space. False if `target` is absent.
    pub fn split(&mut self, target: u32, new: u32, horizontal: bool, percent: u8) -> bool {
        match self {
            Node::Pane(id) if *id == target => {
                *self = Node::Split {
                    horizontal,
                    first_percent: 100 - percent.clamp(1, 99),
                    first: Box::new(Node::Pane(target)),
                    second: Box::new(Node::Pane(new)),
                };
                true
            }
            Node::Pane(_) => false,
            Node::Split { first, second, .. } => {
                first.split(target, new, horizontal, percent)
                    || second.split(target, new, horizontal, percent)
            }
        }
    }

    /// Remove pane `target`; its sibling takes the space. Returns false if absent. Removing
    /// the last pane is the caller's business (the tab closes).
    pub fn remove(&mut self, target: u32) -> bool {
        match self {
            Node::Pane(_) => false,
            Node::Split { first, second, .. } => {
                if **first == Node::Pane(target) {
                    *self = (**second).clone();
                    true
                } else if **second == Node::Pane(target) {
                    *self = (**first).clone();
                    true
                } else {
                    first.remove(target) || second.remove(target)
                }
            }
        }
    }

    /// Pane ids in layout order.
    pub fn panes(&self) -> Vec<u32> {
        let mut v = Vec::new();
        self.collect(&mut v);
        v
    }

    fn collect(&self, v: &mut Vec<u32>) {
        match self {
            Node::Pane(id) => v.push(*id),
            Node::Split { first, second, .. } => {
                first.collect(v);
                second.collect(v);
            }
        }
    }

    pub fn contains(&self, id: u32) -> bool {
        self.panes().contains(&id)
    }

    /// Set the size of the split that directly holds `target` along one axis so that the
    /// pane gets `size` cells (clamped). Returns false if no such split exists.
    pub fn resize_pane(&mut self, target: u32, horizontal: bool, size: u16, area: Rect) -> bool {
        match self {
            Node::Pane(_) => false,
            Node::Split {
                horizontal: h,
                first_percent,
                first,
                second,
            } => {
                let total = if *h { area.w } else { area.h };
                let avail = total.saturating_sub(1).max(1);
                let (ra, rb) = split_rects(area, *h, *first_percent);
                if *h == horizontal && (first.contains(target) || second.contains(target)) {
                    let direct_first = **first == Node::Pane(target);
                    let direct_second = **second == Node::Pane(target);
                    if direct_first || direct_second {
                        let size = size.clamp(1, avail.saturating_sub(1).max(1));
                        let a = if direct_first { size } else { avail - size };
                        *first_percent =
                            ((a as u32 * 100 + avail as u32 / 2) / avail as u32).clamp(1, 99) as u8;
                        return true;
                    }
                }
                first.resize_pane(target, horizontal, size, ra)
                    || second.resize_pane(target, horizontal, size, rb)
            }
        }
    }
}

/// The two children's rectangles of a split of `r`, with one cell of border between them.
fn split_rects(r: Rect, horizontal: bool, first_percent: u8) -> (Rect, Rect) {
    let total = if horizontal { r.w } else { r.h };
    let avail = total.saturating_sub(1);
    let a = ((avail as u32 * first_percent as u32 + 50) / 100) as u16;
    let a = a.clamp(1.min(avail), avail.saturating_sub(1).max(1.min(avail)));
    let b = avail - a;
    if horizontal {
        (
            Rect { w: a.max(1), ..r },
            Rect {
                x: r.x + a + 1,
                w: b.max(1),
                ..r
            },
        )
    } else {
        (
            Rect { h: a.max(1), ..r },
            Rect {
                y: r.y + a + 1,
                h: b.max(1),
                ..r
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_remove() {
        let area = Rect {
            x: 0,
            y: 0,
            w: 81,
            h: 24,
        };
        let mut n = Node::Pane(0);
        assert!(n.split(0, 1, true, 50));
        let mut r = Vec::new();
        n.rects(area, &mut r);
        assert_eq!(
            r[0].1,
            Rect {
                x: 0,
                y: 0,
                w: 40,
                h: 24
            }
        );
        assert_eq!(
            r[1].1,
            Rect {
                x: 41,
                y: 0,
                w: 40,
                h: 24
            }
        );
        assert!(n.split(1, 2, false, 30));
        let mut r = Vec::new();
        n.rects(area, &mut r);
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].1.h + r[1].1.h + 1, 24);
        assert!(n.remove(1));
        assert_eq!(n.panes(), vec![0, 2]);
        assert!(n.resize_pane(0, true, 20, area));
        let mut r = Vec::new();
        n.rects(area, &mut r);
        assert_eq!(r[0].1.w, 20);
    }
}
