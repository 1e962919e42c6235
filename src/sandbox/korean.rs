//! A Korean locale for `fake`, which ships none: Hangul family and given names, written
//! family name first with no space, as Korean names are.

use fake::locales::Data;

#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct KO_KR;

impl Data for KO_KR {
    const NAME_LAST_NAME: &'static [&'static str] = &[
        "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권",
        "황", "안", "송", "류", "전", "홍", "고", "문", "양", "손", "배", "백", "허", "남", "심",
        "노", "하", "곽", "성", "차", "주", "우", "구", "민", "진", "나", "엄", "채", "원", "천",
        "방", "공", "현", "남궁", "제갈",
    ];
    const NAME_FIRST_NAME: &'static [&'static str] = &[
        "민준", "서준", "도윤", "예준", "시우", "하준", "주원", "지호", "지후", "준우", "서연",
        "서윤", "지우", "서현", "민서", "하은", "하윤", "윤서", "지유", "채원", "지민", "수아",
        "지아", "은서", "다은", "예은", "수빈", "현우", "건우", "우진", "선우", "연우", "유준",
        "정우", "승우", "승현", "시윤", "준서", "민재", "영수", "영희", "순자", "정숙", "미경",
        "성민", "상철", "동현", "혜진", "은지", "재훈", "보람", "슬기", "나래", "한결",
    ];
    const NAME_TPL: &'static str = "{LastName}{FirstName}";
}

#[cfg(test)]
mod tests {
    use super::*;
    use fake::Fake;
    use fake::faker::name::raw::Name;
    use fake::rand::SeedableRng;
    use fake::rand::rngs::ChaCha8Rng;

    #[test]
    fn names_are_hangul_without_spaces() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..100 {
            let name: String = Name(KO_KR).fake_with_rng(&mut rng);
            assert!(!name.contains(' '), "{name}");
            assert!(
                name.chars().all(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
                "{name}"
            );
            assert!((2..=5).contains(&name.chars().count()), "{name}");
        }
    }
}
