//! How a tab's area is divided among its panes: a binary tree of splits.
//!
//! A horizontal split puts its children side by side (tmux `split-window -h`), a vertical one
//! above each other. One cell between children is left for the border the client draws. A
//! split's first child gets `first_share` ten-thousandths of the space (less the border): fine
//! enough that laying out 2,000 columns evenly is exact to the cell.
//!
//! Layouts (`select-layout`) rebuild the tree from the panes in layout order: tmux's
//! even-horizontal, even-vertical, main-horizontal, main-vertical and tiled.

use serde::{Deserialize, Serialize};

/// A rectangle of cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

/// Shares are in ten-thousandths.
pub const SHARE_ONE: u32 = 10_000;

/// A node of the layout tree (saved as is in the state file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Node {
    Pane(u32),
    Split {
        horizontal: bool,
        /// Share of the first child, in ten-thousandths of the space left after the border.
        first_share: u16,
        first: Box<Node>,
        second: Box<Node>,
    },
}

/// tmux's preset layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    EvenHorizontal,
    EvenVertical,
    MainHorizontal,
    MainVertical,
    Tiled,
}

impl Layout {
    pub const ALL: [Layout; 5] = [
        Layout::EvenHorizontal,
        Layout::EvenVertical,
        Layout::MainHorizontal,
        Layout::MainVertical,
        Layout::Tiled,
    ];

    pub fn parse(s: &str) -> Option<Layout> {
        Some(match s {
            "even-horizontal" => Layout::EvenHorizontal,
            "even-vertical" => Layout::EvenVertical,
            "main-horizontal" => Layout::MainHorizontal,
            "main-vertical" => Layout::MainVertical,
            "tiled" => Layout::Tiled,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Layout::EvenHorizontal => "even-horizontal",
            Layout::EvenVertical => "even-vertical",
            Layout::MainHorizontal => "main-horizontal",
            Layout::MainVertical => "main-vertical",
            Layout::Tiled => "tiled",
        }
    }

    /// The next one (`C-b Space` cycles them), or the one before (`step` -1).
    pub fn step(self, step: i8) -> Layout {
        let n = Layout::ALL.len() as i64;
        let i = Layout::ALL.iter().position(|l| *l == self).unwrap_or(0) as i64;
        Layout::ALL[(i + step as i64).rem_euclid(n) as usize]
    }

    /// Every name, for error messages.
    pub fn names() -> String {
        Layout::ALL.map(Layout::name).join(", ")
    }
}

/// A split giving its first child `share` (ten-thousandths).
fn split(horizontal: bool, share: u32, first: Node, second: Node) -> Node {
    Node::Split {
        horizontal,
        first_share: share.clamp(1, SHARE_ONE - 1) as u16,
        first: Box::new(first),
        second: Box::new(second),
    }
}

/// `panes` side by side (or stacked) in equal parts of `total` cells (borders included):
/// the shares are computed for that size, so the parts differ by at most one cell.
fn even(panes: &[Node], horizontal: bool, total: u16) -> Node {
    match panes {
        [] => unreachable!("a layout has a pane"),
        [one] => one.clone(),
        [first, rest @ ..] => {
            let n = panes.len() as u32;
            let cells = (total as u32).saturating_sub(n - 1);
            let mine = cells.div_ceil(n).max(1);
            let avail = (total as u32).saturating_sub(1).max(2);
            let rest_total = (total as u32).saturating_sub(mine + 1) as u16;
            split(
                horizontal,
                share_of(mine, avail) as u32,
                first.clone(),
                even(rest, horizontal, rest_total),
            )
        }
    }
}

impl Node {
    /// Every pane with its rectangle when the tree fills `r`.
    pub fn rects(&self, r: Rect, out: &mut Vec<(u32, Rect)>) {
        match self {
            Node::Pane(id) => out.push((*id, r)),
            Node::Split {
                horizontal,
                first_share,
                first,
                second,
            } => {
                let (ra, rb) = split_rects(r, *horizontal, *first_share);
                first.rects(ra, out);
                second.rects(rb, out);
            }
        }
    }

    /// Split pane `target`, giving `new` `percent` of its space. False if `target` is absent.
    pub fn split(&mut self, target: u32, new: u32, horizontal: bool, percent: u8) -> bool {
        self.insert(target, new, horizontal, percent, false)
    }

    /// Split pane `target`, putting `new` after it (right or below), or `before` it, with
    /// `percent` of the space. False if `target` is absent.
    pub fn insert(
        &mut self,
        target: u32,
        new: u32,
        horizontal: bool,
        percent: u8,
        before: bool,
    ) -> bool {
        match self {
            Node::Pane(id) if *id == target => {
                let pct = percent.clamp(1, 99) as u32;
                *self = if before {
                    split(
                        horizontal,
                        pct * SHARE_ONE / 100,
                        Node::Pane(new),
                        Node::Pane(target),
                    )
                } else {
                    split(
                        horizontal,
                        (100 - pct) * SHARE_ONE / 100,
                        Node::Pane(target),
                        Node::Pane(new),
                    )
                };
                true
            }
            Node::Pane(_) => false,
            Node::Split { first, second, .. } => {
                first.insert(target, new, horizontal, percent, before)
                    || second.insert(target, new, horizontal, percent, before)
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
        match self {
            Node::Pane(p) => *p == id,
            Node::Split { first, second, .. } => first.contains(id) || second.contains(id),
        }
    }

    /// Give pane `target` `size` cells along one axis (clamped), by moving the border of the
    /// innermost split along that axis that holds it — the pane's own split, or, for a pane
    /// stacked inside a column, the column's. Returns false if there is no such split.
    pub fn resize_pane(&mut self, target: u32, horizontal: bool, size: u16, area: Rect) -> bool {
        let Node::Split {
            horizontal: h,
            first_share,
            first,
            second,
        } = self
        else {
            return false;
        };
        let (ra, rb) = split_rects(area, *h, *first_share);
        // Innermost first.
        if first.contains(target) && first.resize_pane(target, horizontal, size, ra) {
            return true;
        }
        if second.contains(target) && second.resize_pane(target, horizontal, size, rb) {
            return true;
        }
        if *h != horizontal || !(first.contains(target) || second.contains(target)) {
            return false;
        }
        let total = if *h { area.w } else { area.h };
        let avail = total.saturating_sub(1).max(2) as u32;
        let size = (size as u32).clamp(1, avail - 1);
        let a = if first.contains(target) {
            size
        } else {
            avail - size
        };
        *first_share = share_of(a, avail);
        true
    }

    /// The pane's span in the innermost split along one axis that holds it (what
    /// `resize_pane` sets): its size, and whether it is the split's first child (the border
    /// is after it) or second (before it). `None` if no split along that axis holds it.
    pub fn span(&self, target: u32, horizontal: bool, area: Rect) -> Option<(u16, bool)> {
        let Node::Split {
            horizontal: h,
            first_share,
            first,
            second,
        } = self
        else {
            return None;
        };
        let (ra, rb) = split_rects(area, *h, *first_share);
        let (child, rc, is_first) = if first.contains(target) {
            (first, ra, true)
        } else if second.contains(target) {
            (second, rb, false)
        } else {
            return None;
        };
        child.span(target, horizontal, rc).or_else(|| {
            (*h == horizontal).then_some((if horizontal { rc.w } else { rc.h }, is_first))
        })
    }

    /// Rebuild the tree as `layout`, the panes kept in layout order; `main` (for the main-*
    /// layouts) is the size of the main pane along its axis, clamped.
    pub fn relayout(&self, layout: Layout, area: Rect) -> Node {
        let panes: Vec<Node> = self.panes().into_iter().map(Node::Pane).collect();
        if panes.len() == 1 {
            return panes[0].clone();
        }
        match layout {
            Layout::EvenHorizontal => even(&panes, true, area.w),
            Layout::EvenVertical => even(&panes, false, area.h),
            Layout::MainHorizontal | Layout::MainVertical => {
                let horizontal = layout == Layout::MainVertical;
                // tmux's main-pane-height 24 / main-pane-width 80, or two thirds if less.
                let total = if horizontal { area.w } else { area.h } as u32;
                let avail = total.saturating_sub(1).max(2);
                let want = if horizontal { 80 } else { 24 };
                let main = want.min(avail * 2 / 3).max(1);
                let rest_area = if horizontal { area.h } else { area.w };
                split(
                    horizontal,
                    share_of(main, avail) as u32,
                    panes[0].clone(),
                    even(&panes[1..], !horizontal, rest_area),
                )
            }
            Layout::Tiled => {
                let n = panes.len();
                let cols = (1..=n).find(|c| c * c >= n).unwrap_or(n);
                let rows: Vec<Node> = panes
                    .chunks(cols)
                    .map(|row| even(row, true, area.w))
                    .collect();
                even(&rows, false, area.h)
            }
        }
    }

    /// Exchange panes `a` and `b` (their places in the tree).
    pub fn swap(&mut self, a: u32, b: u32) {
        match self {
            Node::Pane(id) if *id == a => *id = b,
            Node::Pane(id) if *id == b => *id = a,
            Node::Pane(_) => {}
            Node::Split { first, second, .. } => {
                first.swap(a, b);
                second.swap(a, b);
            }
        }
    }

    /// Move every pane one place up the layout order (the first to the last), or `down` (the
    /// last to the first), the shape kept: tmux's `rotate-window` (`-U`, `-D`).
    pub fn rotate(&mut self, down: bool) {
        let mut ids = self.panes();
        if down {
            ids.rotate_right(1);
        } else {
            ids.rotate_left(1);
        }
        let mut it = ids.into_iter();
        self.renumber(&mut it);
    }

    fn renumber(&mut self, ids: &mut impl Iterator<Item = u32>) {
        match self {
            Node::Pane(id) => {
                if let Some(n) = ids.next() {
                    *id = n;
                }
            }
            Node::Split { first, second, .. } => {
                first.renumber(ids);
                second.renumber(ids);
            }
        }
    }
}

/// The pane next to `from` in direction `dir` (0 left, 1 down, 2 up, 3 right), nearest first.
pub fn neighbour(rects: &[(u32, Rect)], from: u32, dir: u8) -> Option<u32> {
    let (_, r) = *rects.iter().find(|(id, _)| *id == from)?;
    let (cx, cy) = (r.x as i32 + r.w as i32 / 2, r.y as i32 + r.h as i32 / 2);
    rects
        .iter()
        .filter(|(id, _)| *id != from)
        .filter(|(_, o)| match dir {
            0 => o.x + o.w < r.x + 1 && overlaps(o.y, o.h, r.y, r.h),
            3 => o.x > r.x + r.w - 1 && overlaps(o.y, o.h, r.y, r.h),
            2 => o.y + o.h < r.y + 1 && overlaps(o.x, o.w, r.x, r.w),
            _ => o.y > r.y + r.h - 1 && overlaps(o.x, o.w, r.x, r.w),
        })
        .min_by_key(|(_, o)| {
            let (ox, oy) = (o.x as i32 + o.w as i32 / 2, o.y as i32 + o.h as i32 / 2);
            (ox - cx).abs() + (oy - cy).abs()
        })
        .map(|(id, _)| *id)
}

fn overlaps(a: u16, al: u16, b: u16, bl: u16) -> bool {
    a < b + bl && b < a + al
}

/// `a` of `avail` cells as a share.
fn share_of(a: u32, avail: u32) -> u16 {
    ((a * SHARE_ONE + avail / 2) / avail.max(1)).clamp(1, SHARE_ONE - 1) as u16
}

/// The two children's rectangles of a split of `r`, with one cell of border between them.
fn split_rects(r: Rect, horizontal: bool, first_share: u16) -> (Rect, Rect) {
    let total = if horizontal { r.w } else { r.h };
    let avail = total.saturating_sub(1);
    let a = ((avail as u32 * first_share as u32 + SHARE_ONE / 2) / SHARE_ONE) as u16;
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

    fn area(w: u16, h: u16) -> Rect {
        Rect { x: 0, y: 0, w, h }
    }

    fn rects(n: &Node, a: Rect) -> Vec<(u32, Rect)> {
        let mut r = Vec::new();
        n.rects(a, &mut r);
        r
    }

    #[test]
    fn split_and_remove() {
        let area = area(81, 24);
        let mut n = Node::Pane(0);
        assert!(n.split(0, 1, true, 50));
        let r = rects(&n, area);
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
        let r = rects(&n, area);
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].1.h + r[1].1.h + 1, 24);
        assert!(n.remove(1));
        assert_eq!(n.panes(), vec![0, 2]);
        assert!(n.resize_pane(0, true, 20, area));
        assert_eq!(rects(&n, area)[0].1.w, 20);
    }

    #[test]
    fn a_pane_stacked_in_a_column_resizes_the_column() {
        let a = area(101, 30);
        let mut n = Node::Pane(0);
        n.split(0, 1, true, 50);
        n.split(1, 2, false, 50);
        // Pane 2 is below 1 in the right column: -x moves the column's border.
        assert!(n.resize_pane(2, true, 30, a));
        let r = rects(&n, a);
        assert_eq!(r[1].1.w, 30);
        assert_eq!(r[2].1.w, 30);
        assert_eq!(r[0].1.w, 70);
        assert_eq!(n.span(2, true, a), Some((30, false)));
        // 29 rows shared at half: the first gets the odd row, as tmux's split does.
        assert_eq!(n.span(1, false, a), Some((15, true)));
        assert_eq!(r[1].1.h + r[2].1.h, 29);
        assert_eq!(n.span(0, false, a), None);
    }

    #[test]
    fn even_layouts_are_even_to_the_cell() {
        for w in [80u16, 97, 200, 2000] {
            for n in 2..=9u32 {
                let mut t = Node::Pane(0);
                for i in 1..n {
                    t.split(i - 1, i, false, 50);
                }
                let t = t.relayout(Layout::EvenHorizontal, area(w, 24));
                let widths: Vec<u16> = rects(&t, area(w, 24)).iter().map(|r| r.1.w).collect();
                let (lo, hi) = (widths.iter().min().unwrap(), widths.iter().max().unwrap());
                assert!(hi - lo <= 1, "{w} cols, {n} panes: {widths:?}");
                assert_eq!(widths.iter().sum::<u16>() + n as u16 - 1, w);
            }
        }
    }

    #[test]
    fn presets_keep_every_pane() {
        let mut t = Node::Pane(0);
        for i in 1..7 {
            t.split(i - 1, i, i % 2 == 0, 50);
        }
        for l in Layout::ALL {
            let n = t.relayout(l, area(120, 40));
            assert_eq!(n.panes(), t.panes(), "{}", l.name());
            let r = rects(&n, area(120, 40));
            assert!(r.iter().all(|(_, r)| r.w > 0 && r.h > 0));
        }
    }

    #[test]
    fn swap_and_rotate() {
        let mut t = Node::Pane(0);
        t.split(0, 1, true, 50);
        t.split(1, 2, true, 50);
        t.swap(0, 2);
        assert_eq!(t.panes(), vec![2, 1, 0]);
        t.rotate(true);
        assert_eq!(t.panes(), vec![0, 2, 1]);
        t.rotate(false);
        assert_eq!(t.panes(), vec![2, 1, 0]);
    }
}
