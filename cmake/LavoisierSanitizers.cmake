# AddressSanitizer + UndefinedBehaviorSanitizer for host code when LV_SANITIZE is on.
function(lv_set_sanitizers target)
  if(LV_SANITIZE)
    target_compile_options(${target} PRIVATE
      $<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer>)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
