//! Evaluation channels: the platform's `pf` codes 1–7 plus the local offline ones.

crate::coded! {
    /// Where an evaluation came from.
    pub enum Channel {
        Pc => "pc", "PC端";
        Mobile => "mobile", "移动端";
        Qrcode => "qrcode", "二维码";
        HallTablet => "hall_tablet", "政务大厅平板";
        HallTerminal => "hall_terminal", "大厅其他终端";
        Phone => "phone", "12345热线";
        Sms => "sms", "短信";
        Box => "box", "意见箱";
        Paper => "paper", "纸质评价表";
    }
}

impl Channel {
    /// Platform interface `pf` code; `None` for the local offline channels.
    pub fn pf_code(self) -> Option<u8> {
        match self {
            Channel::Pc => Some(1),
            Channel::Mobile => Some(2),
            Channel::Qrcode => Some(3),
            Channel::HallTablet => Some(4),
            Channel::HallTerminal => Some(5),
            Channel::Phone => Some(6),
            Channel::Sms => Some(7),
            Channel::Box | Channel::Paper => None,
        }
    }

    /// Channels a citizen uses directly: public, rate-limited, time of receipt is the time of evaluation.
    pub fn is_online(self) -> bool {
        !self.is_registered()
    }

    /// Channels whose records are entered by a hotline operator or registrar on the citizen's behalf.
    pub fn is_registered(self) -> bool {
        matches!(self, Channel::Phone | Channel::Box | Channel::Paper)
    }

    pub fn parse(text: &str) -> Option<Channel> {
        let text = text.trim();
        Channel::ALL.into_iter().find(|channel| channel.code() == text || channel.label() == text).or(match text {
            "电话" | "12345" | "热线" => Some(Channel::Phone),
            "举报箱" => Some(Channel::Box),
            "评价表" => Some(Channel::Paper),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_channels_are_phone_box_paper() {
        let registered: Vec<_> = Channel::ALL.into_iter().filter(|c| c.is_registered()).collect();
        assert_eq!(registered, vec![Channel::Phone, Channel::Box, Channel::Paper]);
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.code()), Some(channel));
            assert_eq!(Channel::parse(channel.label()), Some(channel));
        }
        assert_eq!(Channel::parse("传真"), None);
    }
}
