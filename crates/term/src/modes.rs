//! Terminal modes that change how the terminal behaves or how the server must encode input
//! for the program: ANSI modes (IRM, LNM), DEC private modes (DECCKM, DECAWM, origin, cursor
//! visibility, mouse, focus, bracketed paste, …), keypad mode, cursor shape (DECSCUSR) and the
//! kitty keyboard protocol's flag stack.

/// Mouse reporting requested by the program (DEC modes 9, 1000, 1002, 1003).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MouseMode {
    #[default]
    None,
    /// 9: X10, presses only.
    X10,
    /// 1000: presses and releases.
    Normal,
    /// 1002: plus motion while a button is held.
    Button,
    /// 1003: all motion.
    Any,
}

/// Mouse report encoding (DEC modes 1005, 1006, 1015).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MouseEncoding {
    #[default]
    X10,
    Utf8,
    Sgr,
    Urxvt,
}

/// DECSCUSR cursor shapes (0 = the user's default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CursorShape {
    #[default]
    Default,
    BlinkingBlock,
    SteadyBlock,
    BlinkingUnderline,
    SteadyUnderline,
    BlinkingBar,
    SteadyBar,
}

impl CursorShape {
    pub fn from_param(p: u16) -> Option<CursorShape> {
        Some(match p {
            0 => CursorShape::Default,
            1 => CursorShape::BlinkingBlock,
            2 => CursorShape::SteadyBlock,
            3 => CursorShape::BlinkingUnderline,
            4 => CursorShape::SteadyUnderline,
            5 => CursorShape::BlinkingBar,
            6 => CursorShape::SteadyBar,
            _ => return None,
        })
    }

    pub fn param(self) -> u16 {
        self as u16
    }
}

/// Depth of the kitty keyboard flags stack, per screen. The protocol leaves the depth to the
/// terminal; programs push once or twice, and 16 entries cost 32 bytes.
pub const KITTY_STACK_MAX: usize = 16;

/// The kitty keyboard protocol's flags stack (`CSI > f u` push, `CSI < n u` pop,
/// `CSI = f ; m u` set). When full, pushing drops the oldest entry, as the spec allows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KittyStack {
    stack: Vec<u16>,
}

impl KittyStack {
    pub fn current(&self) -> u16 {
        self.stack.last().copied().unwrap_or(0)
    }
    pub fn push(&mut self, flags: u16) {
        if self.stack.len() == KITTY_STACK_MAX {
            self.stack.remove(0);
        }
        self.stack.push(flags & 0x1f);
    }
    pub fn pop(&mut self, n: usize) {
        let n = n.min(self.stack.len());
        self.stack.truncate(self.stack.len() - n);
    }
    /// `mode` 1 = replace, 2 = set bits, 3 = clear bits.
    pub fn set(&mut self, flags: u16, mode: u16) {
        let cur = self.current();
        let new = match mode {
            2 => cur | flags,
            3 => cur & !flags,
            _ => flags,
        } & 0x1f;
        match self.stack.last_mut() {
            Some(top) => *top = new,
            None => self.stack.push(new),
        }
    }
    pub fn clear(&mut self) {
        self.stack.clear();
    }
    pub fn depth(&self) -> usize {
        self.stack.len()
    }
}

/// Every mode the terminal tracks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Modes {
    /// IRM (4): insert instead of replace.
    pub insert: bool,
    /// LNM (20): LF also returns the carriage.
    pub newline: bool,
    /// DECCKM (?1): cursor keys send application sequences.
    pub cursor_keys: bool,
    /// DECKPAM/DECKPNM: keypad sends application sequences.
    pub keypad_app: bool,
    /// DECSCNM (?5): reverse video.
    pub reverse_video: bool,
    /// DECOM (?6): cursor addressing relative to the scroll region.
    pub origin: bool,
    /// DECAWM (?7): wrap at the right margin.
    pub autowrap: bool,
    /// DECTCEM (?25).
    pub cursor_visible: bool,
    /// ?12: cursor blinking (att610).
    pub cursor_blink: bool,
    pub mouse: MouseMode,
    pub mouse_encoding: MouseEncoding,
    /// ?1004: report focus in/out.
    pub focus: bool,
    /// ?1007: alternate scroll (wheel sends arrows on the alternate screen).
    pub alternate_scroll: bool,
    /// ?2004.
    pub bracketed_paste: bool,
    pub cursor_shape: CursorShape,
    /// Kitty keyboard flags of the primary and alternate screens.
    pub kitty: [KittyStack; 2],
}

impl Default for Modes {
    fn default() -> Modes {
        Modes {
            insert: false,
            newline: false,
            cursor_keys: false,
            keypad_app: false,
            reverse_video: false,
            origin: false,
            autowrap: true,
            cursor_visible: true,
            cursor_blink: false,
            mouse: MouseMode::None,
            mouse_encoding: MouseEncoding::X10,
            focus: false,
            alternate_scroll: false,
            bracketed_paste: false,
            cursor_shape: CursorShape::Default,
            kitty: Default::default(),
        }
    }
}
